package main

deny contains "plain deny" if input.bad
warn contains "plain warn" if input.bad
deny_named contains "named" if input.bad

exception contains rules if {
	input.name == "legacy"
	rules := [""]
}
