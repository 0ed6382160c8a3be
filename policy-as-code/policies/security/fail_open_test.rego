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
		with data.sentinel.params.security.safety_names as ""
}

_site(file, function) := {
	"file": file,
	"line": 7,
	"function": function,
	"pattern": "default_allow",
	"detail": "verify(token).unwrap_or(true) defaults to allowing",
}

_defaults(site) := findings if {
	findings := rule.deny_fail_open with input as {"kind": "safety", "fail_open": [site]}
		with data.sentinel.params.security.safety_paths as []
}

test_with_default_data_sites_in_auth_code_are_denied if {
	count(_defaults(_site("src/auth/verify.rs", "Gate.allowed"))) == 1
	count(_defaults(_site("svc/middleware.py", "is_authorized"))) == 1
	count(_defaults(_site("svc/Permissions.py", "<module>"))) == 1
	count(_defaults(_site("svc/access_policy.py", "load"))) == 1
}

test_with_default_data_sites_elsewhere_pass if {
	count(_defaults(_site("svc/cache.py", "warm"))) == 0
	count(_defaults(_site("docs/authors.py", "list_authors"))) == 0
}

test_message_does_not_repeat_the_location if {
	some f in _defaults(_site("src/auth/verify.rs", "Gate.allowed"))
	startswith(f.msg, "default_allow in Gate.allowed fails open")
}

test_document_without_sites_passes if {
	count(rule.deny_fail_open) == 0 with input as {"kind": "safety", "fail_open": []}
		with data.sentinel.params.security.safety_paths as ["**"]
}
