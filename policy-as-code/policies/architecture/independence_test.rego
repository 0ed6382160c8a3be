package sentinel.architecture.independence_test

import data.sentinel.architecture.fixtures_test as fx
import data.sentinel.architecture.independence

_contract := {"name": "plugins", "modules": ["app.plugins.a", "app.plugins.b"]}

_findings(doc, contract) := f if {
	f := independence.deny_independence with input as doc
		with data.sentinel.params.architecture.independence as [contract]
}

test_listed_module_importing_another_is_denied if {
	doc := fx.graph_doc({"app.plugins.a.main": ["app.plugins.b.api"], "app.plugins.b.api": []})
	findings := _findings(doc, _contract)
	count(findings) == 1
	some f in findings
	f.rule == "architecture.independence"
	f._loc == {"file": "app/plugins/a/main.py", "line": 1}
}

test_listed_modules_importing_shared_code_pass if {
	doc := fx.graph_doc({"app.plugins.a.main": ["app.shared"], "app.plugins.b.api": ["app.shared"], "app.shared": []})
	count(_findings(doc, _contract)) == 0
}

test_modules_in_data_decide_the_verdict if {
	doc := fx.graph_doc({"app.plugins.a.main": ["app.plugins.b.api"], "app.plugins.b.api": []})
	count(_findings(doc, object.union(_contract, {"modules": ["app.plugins.a", "app.plugins.c"]}))) == 0
}

test_indirect_import_through_shared_code_is_denied if {
	doc := fx.graph_doc({"app.plugins.a.main": ["app.shared"], "app.shared": ["app.plugins.b.api"], "app.plugins.b.api": []})
	findings := _findings(doc, _contract)
	count(findings) == 1
	some f in findings
	f._loc.file == "app/shared.py"
}

test_indirect_false_checks_direct_imports_only if {
	doc := fx.graph_doc({"app.plugins.a.main": ["app.shared"], "app.shared": ["app.plugins.b.api"], "app.plugins.b.api": []})
	count(_findings(doc, object.union(_contract, {"indirect": false}))) == 0
}

test_ignore_imports_skips_a_known_import if {
	doc := fx.graph_doc({"app.plugins.a.main": ["app.plugins.b.api"], "app.plugins.b.api": []})
	count(_findings(doc, object.union(_contract, {"ignore_imports": ["app.plugins.a.main -> app.plugins.b.*"]}))) == 0
}
