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

test_the_message_leaves_the_location_to_loc if {
	findings := _findings(fx.changes([fx.changed("app/core/billing.py", "M", false)]))
	some f in findings
	startswith(f.msg, "logic in a core path changed (")
	not contains(f.msg, "app/core/billing.py")
	object.keys(f) == {"rule", "msg", "_loc"}
}

_tested(path, status, tests) := object.union(fx.changed(path, status, false), {"tested_by": tests})

test_core_logic_change_with_its_own_changed_test_passes if {
	billing := _tested("app/core/billing.py", "M", [{"file": "tests/test_billing.py", "via": "mirror", "changed": true}])
	doc := fx.changes([billing, fx.changed("tests/test_billing.py", "A", true)])
	count(_findings(doc)) == 0
}

test_core_logic_change_with_an_existing_test_that_imports_it_passes if {
	billing := _tested("app/core/billing.py", "M", [{"file": "tests/test_invoices.py", "via": "import", "changed": false}])
	count(_findings(fx.changes([billing]))) == 0
}

test_a_test_of_another_module_in_the_change_does_not_count if {
	doc := fx.changes([
		_tested("app/core/billing.py", "M", []),
		_tested("app/core/tax.py", "M", [{"file": "tests/test_tax.py", "via": "mirror", "changed": true}]),
		fx.changed("tests/test_tax.py", "M", true),
	])
	findings := _findings(doc)
	count(findings) == 1
	some f in findings
	f._loc.file == "app/core/billing.py"
}

test_each_changed_file_is_judged_on_its_own if {
	doc := fx.changes([_tested("app/core/a.py", "M", []), _tested("app/core/b.py", "A", [])])
	{f._loc.file | some f in _findings(doc)} == {"app/core/a.py", "app/core/b.py"}
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
