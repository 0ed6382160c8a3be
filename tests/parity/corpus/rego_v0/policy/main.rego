package main

deny[msg] {
	input.a == 1
	msg := "a is one"
}

warn[msg] {
	msg := "always"
}
