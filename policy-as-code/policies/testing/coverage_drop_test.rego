package sentinel.testing.coverage_drop_test

import data.sentinel.testing.coverage_drop as rule

_doc(delta) := {
	"kind": "coverage",
	"totals": {"percent": 80 + delta},
	"baseline": {"file": "coverage-baseline.json", "line": 1, "total_percent": 80, "delta": delta},
	"changed": null,
}

_findings(doc) := f if {
	f := rule.deny_coverage_drop with input as doc
		with data.sentinel.params.testing.coverage as {"max_drop": 0.5}
}

test_drop_beyond_the_tolerance_is_denied if {
	findings := _findings(_doc(-1.25))
	count(findings) == 1
	some f in findings
	f.rule == "testing.coverage_drop"
	f._loc == {"file": "coverage-baseline.json", "line": 1}
	contains(f.msg, "1.25 points below the baseline 80%")
}

test_drop_within_the_tolerance_passes if {
	count(_findings(_doc(-0.25))) == 0
}

test_rise_passes if {
	count(_findings(_doc(2))) == 0
}

test_max_drop_in_data_decides_the_verdict if {
	count(rule.deny_coverage_drop) == 0 with input as _doc(-1.25)
		with data.sentinel.params.testing.coverage as {"max_drop": 2}
}

test_no_baseline_passes if {
	count(_findings(object.union(_doc(-5), {"baseline": null}))) == 0
}
