package main

x := 1

deny contains msg if {
	ys := [x | some x in input.items]
	count(ys) > 1
	msg := "many"
}
