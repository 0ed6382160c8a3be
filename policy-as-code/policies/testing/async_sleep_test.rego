package sentinel.testing.async_sleep_test

import data.sentinel.testing.async_sleep as rule

_test(file, is_async, sleeps) := {
	"file": file,
	"line": 10,
	"end_line": 20,
	"name": "test_order_is_paid",
	"language": "python",
	"async": is_async,
	"sleeps": [{"file": file, "line": 14, "name": "asyncio.sleep"} | sleeps],
}

_doc(tests) := {"kind": "tests", "tests": tests}

test_sleep_in_async_core_test_is_denied if {
	doc := _doc([_test("tests/core/test_orders.py", true, true)])
	findings := rule.deny_async_sleep with input as doc
		with data.sentinel.params.testing.core_test_paths as ["tests/core/**"]
	count(findings) == 1
	some f in findings
	f.rule == "testing.async_sleep"
	f._loc == {"file": "tests/core/test_orders.py", "line": 14}
	count(rule.warn_async_sleep) == 0 with input as doc
		with data.sentinel.params.testing.core_test_paths as ["tests/core/**"]
}

test_sleep_in_async_test_outside_core_paths_warns if {
	doc := _doc([_test("tests/web/test_page.py", true, true)])
	count(rule.deny_async_sleep) == 0 with input as doc
		with data.sentinel.params.testing.core_test_paths as ["tests/core/**"]
	count(rule.warn_async_sleep) == 1 with input as doc
		with data.sentinel.params.testing.core_test_paths as ["tests/core/**"]
}

test_core_test_paths_in_data_decide_deny_or_warn if {
	doc := _doc([_test("tests/web/test_page.py", true, true)])
	count(rule.deny_async_sleep) == 1 with input as doc
		with data.sentinel.params.testing.core_test_paths as ["tests/**"]
}

test_sleep_in_sync_test_passes if {
	doc := _doc([_test("tests/core/test_orders.py", false, true)])
	count(rule.deny_async_sleep) == 0 with input as doc
		with data.sentinel.params.testing.core_test_paths as ["**"]
	count(rule.warn_async_sleep) == 0 with input as doc
		with data.sentinel.params.testing.core_test_paths as ["**"]
}

test_async_test_without_sleep_passes if {
	count(rule.deny_async_sleep) == 0 with input as _doc([_test("tests/core/test_orders.py", true, false)])
		with data.sentinel.params.testing.core_test_paths as ["**"]
}
