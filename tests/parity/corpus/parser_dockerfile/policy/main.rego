package main

deny contains sprintf("base image %s", [val]) if {
	some i
	input[i].Cmd == "from"
	val := concat(" ", input[i].Value)
	contains(val, "latest")
}
warn contains sprintf("%s %s", [input[i].Cmd, concat(" ", input[i].Value)]) if { some i; input[i].Cmd == "user" }
