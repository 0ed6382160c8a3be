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
