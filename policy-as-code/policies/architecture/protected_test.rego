package sentinel.architecture.protected_test

import data.sentinel.architecture.fixtures_test as fx
import data.sentinel.architecture.protected

_contract := {"name": "db behind the repository", "protected_modules": ["app.db"], "allowed_importers": ["app.repository"]}

_doc := fx.graph_doc({
	"app.repository.orders": ["app.db.session"],
	"app.web.views": ["app.db.session", "app.repository.orders"],
	"app.db.session": ["app.db.models"],
	"app.db.models": [],
})

_findings(doc, contract) := f if {
	f := protected.deny_protected with input as doc
		with data.sentinel.params.architecture.protected as [contract]
}

test_import_from_outside_the_allowed_importers_is_denied if {
	findings := _findings(_doc, _contract)
	count(findings) == 1
	some f in findings
	f.rule == "architecture.protected"
	f._loc == {"file": "app/web/views.py", "line": 1}
	startswith(f.msg, "app.web.views imports app.db.session, which protected contract \"db behind the repository\" lets only app.repository import")
}

test_allowed_importers_and_the_protected_package_itself_pass if {
	contract := object.union(_contract, {"allowed_importers": ["app.repository", "app.web"]})
	count(_findings(_doc, contract)) == 0
}

test_as_packages_false_protects_the_named_module_only if {
	contract := object.union(_contract, {"as_packages": false})
	count(_findings(_doc, contract)) == 0
}

test_ignore_imports_skips_a_known_import if {
	contract := object.union(_contract, {"ignore_imports": ["app.web.* -> app.db.*"]})
	count(_findings(_doc, contract)) == 0
}
