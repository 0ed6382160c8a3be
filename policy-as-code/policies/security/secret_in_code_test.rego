package sentinel.security.secret_in_code_test

import data.sentinel.security.secret_in_code as rule

_finding(in_baseline, is_secret) := {
	"rule": "AWS Access Key",
	"plugin": "AWSKeyDetector",
	"file": "app/settings.py",
	"line": 3,
	"fingerprint": "feedfacefeedfacefeedfacefeedfacefeedface",
	"is_verified": false,
	"in_baseline": in_baseline,
	"is_secret": is_secret,
}

_findings(f, params) := out if {
	out := rule.deny_secret_in_code with input as {"kind": "secrets", "findings": [f]}
		with data.sentinel.params.security.secrets as params
}

test_new_secret_is_denied_without_its_value if {
	findings := _findings(_finding(false, null), {})
	count(findings) == 1
	some f in findings
	f.rule == "security.secret_in_code"
	f._loc == {"file": "app/settings.py", "line": 3}
	contains(f.msg, "AWS Access Key")
}

test_baseline_false_positive_passes if {
	count(_findings(_finding(true, false), {})) == 0
}

test_baseline_entry_audited_as_real_secret_is_denied if {
	count(_findings(_finding(true, true), {})) == 1
}

test_allow_unaudited_in_data_decides_unaudited_baseline_entries if {
	count(_findings(_finding(true, null), {"allow_unaudited": true})) == 0
	count(_findings(_finding(true, null), {"allow_unaudited": false})) == 1
}

_in(context) := object.union(_finding(false, null), {"context": context})

_verdicts(f, params) := {"deny": count(d), "warn": count(w)} if {
	d := rule.deny_secret_in_code with input as {"kind": "secrets", "findings": [f]}
		with data.sentinel.params.security.secrets as params
	w := rule.warn_secret_in_code with input as {"kind": "secrets", "findings": [f]}
		with data.sentinel.params.security.secrets as params
}

test_code_finding_is_denied_and_not_warned if {
	_verdicts(_in("code"), {}) == {"deny": 1, "warn": 0}
}

test_findings_in_tests_fixtures_docs_notebooks_and_ci_are_warnings if {
	every context in ["test", "fixture", "docs", "notebook", "ci"] {
		_verdicts(_in(context), {}) == {"deny": 0, "warn": 1}
	}
}

test_warning_names_the_context_and_not_the_location if {
	some w in rule.warn_secret_in_code with input as {"kind": "secrets", "findings": [_in("fixture")]}
	w._loc == {"file": "app/settings.py", "line": 3}
	contains(w.msg, "in fixture")
	not startswith(w.msg, "app/settings.py")
}

test_warn_contexts_in_data_decide_what_is_only_a_warning if {
	_verdicts(_in("test"), {"warn_contexts": []}) == {"deny": 1, "warn": 0}
	_verdicts(_in("code"), {"warn_contexts": ["code"]}) == {"deny": 0, "warn": 1}
}

test_audited_false_positive_in_a_test_is_neither_denied_nor_warned if {
	f := object.union(_finding(true, false), {"context": "test"})
	_verdicts(f, {}) == {"deny": 0, "warn": 0}
}
