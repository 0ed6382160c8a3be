package sentinel.testing.changed_line_coverage_test

import data.sentinel.testing.changed_line_coverage as rule

_doc(percent) := {
	"kind": "coverage",
	"changed": {
		"merge_base": "abc",
		"changed": 10,
		"measured": 8,
		"covered": 5,
		"missed": 3,
		"percent": percent,
		"files": [
			{"file": "app/billing.py", "line": 12, "changed": 6, "measured": 5, "covered": 2, "missed": 3, "percent": 40, "missed_lines": [12, 13, 15]},
			{"file": "app/users.py", "line": 4, "changed": 4, "measured": 3, "covered": 3, "missed": 0, "percent": 100, "missed_lines": []},
		],
	},
}

_findings(doc) := f if {
	f := rule.deny_changed_line_coverage with input as doc
		with data.sentinel.params.testing.coverage as {"changed_lines_min": 80}
}

test_changed_lines_below_the_threshold_are_denied_per_file if {
	findings := _findings(_doc(62.5))
	count(findings) == 1
	some f in findings
	f.rule == "testing.changed_line_coverage"
	f._loc == {"file": "app/billing.py", "line": 12}
	contains(f.msg, "lines 12, 13, 15")
}

test_changed_lines_at_the_threshold_pass if {
	count(_findings(_doc(80))) == 0
}

test_threshold_in_data_decides_the_verdict if {
	count(rule.deny_changed_line_coverage) == 0 with input as _doc(62.5)
		with data.sentinel.params.testing.coverage as {"changed_lines_min": 60}
}

test_no_base_revision_passes if {
	count(_findings({"kind": "coverage", "changed": null})) == 0
}
