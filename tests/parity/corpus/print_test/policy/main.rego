package main

deny contains msg if {
	print("checking", input.name)
	input.bad
	msg := "bad"
}

warn contains "w" if {
	print("warn rule")
	false
}

exception contains rules if {
	print("exc")
	rules := ["nothing"]
}
