package main

deny contains "bad" if input.bad

test_pass_quiet if {
	count(deny) == 0 with input as {"bad": false}
}

test_pass_prints if {
	print("hello", 1)
	trace("note A")
	count(deny) == 0 with input as {"bad": false}
}

test_fails if {
	print("in failing")
	count(deny) == 0 with input as {"bad": true}
}
