package main

test_root_denied if {
	deny["root"] with input as {"user": "root"}
}

test_app_allowed if {
	count(deny) == 0 with input as {"user": "app"}
}

test_wrong_expectation if {
	count(deny) == 1 with input as {"user": "app"}
}
