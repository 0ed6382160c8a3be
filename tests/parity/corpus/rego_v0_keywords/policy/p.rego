package main

deny contains "y" if {
	input.a
}
