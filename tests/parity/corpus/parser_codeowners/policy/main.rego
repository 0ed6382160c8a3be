package main

deny contains sprintf("line %d: %s has no owner", [r.lineNumber, r.pattern]) if {
	some r in input.rules
	count(r.owners) == 0
}
warn contains sprintf("%v", [input]) if true
