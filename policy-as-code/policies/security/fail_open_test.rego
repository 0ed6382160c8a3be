package sentinel.security.fail_open_test

import data.sentinel.security.fail_open as rule

_doc := {"kind": "safety", "fail_open": [{
	"file": "app/auth/policy.py",
	"line": 21,
	"function": "is_allowed",
	"pattern": "except_returns_allow",
	"detail": "except Exception: return True",
}]}

test_fail_open_in_a_safety_module_is_denied if {
	findings := rule.deny_fail_open with input as _doc
		with data.sentinel.params.security.safety_paths as ["app/auth/**"]
	count(findings) == 1
	some f in findings
	f.rule == "security.fail_open"
	f._loc == {"file": "app/auth/policy.py", "line": 21}
}

test_safety_paths_in_data_decide_where_it_applies if {
	count(rule.deny_fail_open) == 0 with input as _doc
		with data.sentinel.params.security.safety_paths as ["app/ratelimit/**"]
}

test_document_without_sites_passes if {
	count(rule.deny_fail_open) == 0 with input as {"kind": "safety", "fail_open": []}
		with data.sentinel.params.security.safety_paths as ["**"]
}
