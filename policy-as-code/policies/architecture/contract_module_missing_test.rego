package sentinel.architecture.contract_module_missing_test

import data.sentinel.architecture.contract_module_missing
import data.sentinel.architecture.fixtures_test as fx

_doc := object.union(fx.graph_doc({"app.domain.orders": [], "app.web.views": []}), {"modules": ["app", "app.domain", "app.domain.orders", "app.web", "app.web.views"]})

_findings(params) := f if {
	f := contract_module_missing.deny_contract_module_missing with input as _doc
		with data.sentinel.params.architecture as params
}

test_contract_modules_that_exist_pass if {
	count(_findings({
		"forbidden": [{"name": "pure", "source_modules": ["app.domain"], "forbidden_modules": ["app.web", "redis"]}],
		"layers": [{"name": "l", "containers": ["app"], "layers": ["web", "domain", "(cli)"]}],
		"independence": [{"name": "i", "modules": ["app.domain", "app.web"]}],
		"protected": [{"name": "p", "protected_modules": ["app.domain"], "allowed_importers": ["app.web"]}],
		"acyclic": [{"name": "a", "packages": ["", "app"]}],
	})) == 0
}

test_a_missing_source_module_is_denied_naming_contract_and_module if {
	findings := _findings({"forbidden": [{"name": "pure", "source_modules": ["app.domian"], "forbidden_modules": ["redis"]}]})
	count(findings) == 1
	some f in findings
	f.rule == "architecture.contract_module_missing"
	contains(f.msg, "forbidden contract \"pure\" names module app.domian in source_modules")
}

test_a_missing_first_party_forbidden_module_is_denied if {
	findings := _findings({"forbidden": [{"name": "pure", "source_modules": ["app.domain"], "forbidden_modules": ["app.webb"]}]})
	count(findings) == 1
}

test_an_external_forbidden_module_nobody_imports_passes if {
	count(_findings({"forbidden": [{"name": "pure", "source_modules": ["app.domain"], "forbidden_modules": ["sqlalchemy"]}]})) == 0
}

test_a_missing_layer_is_denied_unless_optional if {
	findings := _findings({"layers": [{"name": "l", "containers": ["app"], "layers": ["web", "service | domain", "(cli)"]}]})
	count(findings) == 1
	some f in findings
	contains(f.msg, "names module app.service in layers")
}

test_missing_independence_protected_and_acyclic_modules_are_denied if {
	findings := _findings({
		"independence": [{"name": "i", "modules": ["app.domain", "app.api"]}],
		"protected": [{"name": "p", "protected_modules": ["app.secret"]}],
		"acyclic": [{"name": "a", "packages": ["lib"]}],
	})
	{f.msg | some f in findings} == {
		"independence contract \"i\" names module app.api in modules, but the repository has no such module, so the contract checks nothing. Fix the name or remove it.",
		"protected contract \"p\" names module app.secret in protected_modules, but the repository has no such module, so the contract checks nothing. Fix the name or remove it.",
		"acyclic contract \"a\" names module lib in packages, but the repository has no such module, so the contract checks nothing. Fix the name or remove it.",
	}
}

test_modules_come_from_the_files_when_the_document_has_no_list if {
	doc := fx.graph_doc({"app.domain.orders": []})
	count(contract_module_missing.deny_contract_module_missing) == 0 with input as doc
		with data.sentinel.params.architecture as {"independence": [{"name": "i", "modules": ["app", "app.domain"]}]}
}
