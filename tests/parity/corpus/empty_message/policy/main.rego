package main

deny contains "" if input.a
deny contains "real" if input.b
warn contains {"msg": ""} if input.a
violation contains msg if {
	input.a
	msg := ""
}
