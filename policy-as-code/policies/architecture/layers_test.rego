package sentinel.architecture.layers_test

import data.sentinel.architecture.fixtures_test as fx
import data.sentinel.architecture.layers

_contract := {"name": "app layers", "layers": ["app.web", "app.service", "app.store"]}

_findings(doc, contract) := f if {
	f := layers.deny_layers with input as doc
		with data.sentinel.params.architecture.layers as [contract]
}

test_lower_layer_importing_a_higher_one_is_denied if {
	doc := fx.graph_doc({"app.store.db": ["app.web.views"], "app.web.views": []})
	findings := _findings(doc, _contract)
	count(findings) == 1
	some f in findings
	f.rule == "architecture.layers"
	f._loc == {"file": "app/store/db.py", "line": 1}
	contains(f.msg, "higher layer app.web")
}

test_higher_layer_importing_a_lower_one_passes if {
	doc := fx.graph_doc({"app.web.views": ["app.service.orders", "app.store.db"], "app.service.orders": ["app.store.db"], "app.store.db": []})
	count(_findings(doc, _contract)) == 0
}

test_layer_order_in_data_decides_the_verdict if {
	doc := fx.graph_doc({"app.store.db": ["app.web.views"], "app.web.views": []})
	reversed := object.union(_contract, {"layers": ["app.store", "app.service", "app.web"]})
	count(_findings(doc, reversed)) == 0
}

test_independent_members_of_a_layer_may_not_import_each_other if {
	contract := {"layers": ["app.web", "app.billing | app.shipping", "app.store"]}
	doc := fx.graph_doc({"app.billing.x": ["app.shipping.y"], "app.shipping.y": []})
	findings := _findings(doc, contract)
	count(findings) == 1
	some f in findings
	contains(f.msg, "independent sibling")
}

test_colon_members_of_a_layer_may_import_each_other if {
	contract := {"layers": ["app.web", "app.billing : app.shipping", "app.store"]}
	doc := fx.graph_doc({"app.billing.x": ["app.shipping.y"], "app.shipping.y": []})
	count(_findings(doc, contract)) == 0
}

test_indirect_import_through_an_unlayered_module_is_denied if {
	doc := fx.graph_doc({"app.store.db": ["app.util.x"], "app.util.x": ["app.web.views"], "app.web.views": []})
	findings := _findings(doc, _contract)
	count(findings) == 1
	some f in findings
	f._loc.file == "app/util/x.py"
	contains(f.msg, "indirect")
}

test_indirect_false_checks_direct_imports_only if {
	doc := fx.graph_doc({"app.store.db": ["app.util.x"], "app.util.x": ["app.web.views"], "app.web.views": []})
	count(_findings(doc, object.union(_contract, {"indirect": false}))) == 0
}

test_containers_repeat_the_layers_inside_each_package if {
	contract := {"layers": ["web", "store"], "containers": ["shop", "blog"]}
	doc := fx.graph_doc({"blog.store.db": ["blog.web.views"], "blog.web.views": [], "shop.web.v": ["shop.store.d"], "shop.store.d": []})
	findings := _findings(doc, contract)
	count(findings) == 1
	some f in findings
	f._loc.file == "blog/store/db.py"
}

test_ignore_imports_skips_a_known_import if {
	doc := fx.graph_doc({"app.store.db": ["app.web.views"], "app.web.views": []})
	count(_findings(doc, object.union(_contract, {"ignore_imports": ["app.store.db -> app.web.*"]}))) == 0
}

_exhaustive := {"name": "app layers", "containers": ["app"], "layers": ["web", "service", "(cli)"], "exhaustive": true}

_three := fx.graph_doc({"app.web.views": [], "app.service.orders": [], "app.store.db": []})

test_exhaustive_contract_reports_a_child_in_no_layer if {
	findings := _findings(_three, _exhaustive)
	count(findings) == 1
	some f in findings
	f.rule == "architecture.layers"
	contains(f.msg, "app.store in container app is in no layer")
}

test_exhaustive_ignores_leaves_a_child_out if {
	contract := object.union(_exhaustive, {"exhaustive_ignores": ["store"]})
	count(_findings(_three, contract)) == 0
}

test_exhaustive_without_containers_is_reported if {
	contract := object.remove(_exhaustive, ["containers"])
	some f in _findings(_three, contract)
	contains(f.msg, "has no containers")
}

test_optional_layer_in_parentheses_is_a_layer if {
	doc := fx.graph_doc({"app.cli.main": ["app.web.views"], "app.web.views": []})
	contract := {"name": "app layers", "containers": ["app"], "layers": ["web", "(cli)"]}
	findings := _findings(doc, contract)
	count(findings) == 1
	some f in findings
	startswith(f.msg, "app.cli.main imports app.web.views")
}
