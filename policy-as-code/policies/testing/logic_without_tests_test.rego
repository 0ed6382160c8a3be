package sentinel.testing.logic_without_tests_test

import data.sentinel.testing.fixtures_test as fx
import data.sentinel.testing.logic_without_tests as rule

_findings(doc) := f if {
	f := rule.deny_logic_without_tests with input as doc
		with data.sentinel.params.core.paths as ["app/core/**"]
		with data.sentinel.params.testing.logic_extensions as [".py"]
}

test_core_logic_change_without_a_test_is_denied if {
	findings := _findings(fx.changes([fx.changed("app/core/billing.py", "M", false)]))
	count(findings) == 1
	some f in findings
	f.rule == "testing.logic_without_tests"
	f._loc == {"file": "app/core/billing.py", "line": 3}
}

test_core_logic_change_with_a_changed_test_passes if {
	doc := fx.changes([fx.changed("app/core/billing.py", "M", false), fx.changed("tests/test_billing.py", "A", true)])
	count(_findings(doc)) == 0
}

test_deleted_test_does_not_count_as_a_test_change if {
	doc := fx.changes([fx.changed("app/core/billing.py", "M", false), fx.changed("tests/test_old.py", "D", true)])
	count(_findings(doc)) == 1
}

test_change_outside_core_paths_passes if {
	count(_findings(fx.changes([fx.changed("app/web/page.py", "M", false)]))) == 0
}

test_core_paths_in_data_decide_the_verdict if {
	doc := fx.changes([fx.changed("app/web/page.py", "M", false)])
	count(rule.deny_logic_without_tests) == 1 with input as doc
		with data.sentinel.params.core.paths as ["app/**"]
		with data.sentinel.params.testing.logic_extensions as [".py"]
}

test_non_logic_files_pass if {
	count(_findings(fx.changes([fx.changed("app/core/README.md", "M", false)]))) == 0
}

test_logic_extensions_in_data_decide_what_is_logic if {
	doc := fx.changes([fx.changed("app/core/rules.rego", "M", false)])
	count(_findings(doc)) == 0
	count(rule.deny_logic_without_tests) == 1 with input as doc
		with data.sentinel.params.core.paths as ["app/core/**"]
		with data.sentinel.params.testing.logic_extensions as [".rego"]
}
