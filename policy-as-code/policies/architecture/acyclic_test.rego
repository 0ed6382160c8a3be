package sentinel.architecture.acyclic_test

import data.sentinel.architecture.acyclic
import data.sentinel.architecture.fixtures_test as fx

_contract := {"name": "app siblings", "packages": ["app"]}

_findings(doc, contract) := f if {
	f := acyclic.deny_acyclic with input as doc
		with data.sentinel.params.architecture.acyclic as [contract]
}

_two_cycle := fx.graph_doc({"app.orders.api": ["app.users.models"], "app.users.models": ["app.orders.models"], "app.orders.models": []})

test_cycle_between_siblings_is_denied_with_one_concrete_cycle if {
	findings := _findings(_two_cycle, _contract)
	count(findings) == 1
	some f in findings
	f.rule == "architecture.acyclic"
	contains(f.msg, "app.orders -> app.users -> app.orders")
	contains(f.msg, "app.users.models imports app.orders.models at app/users/models.py:1")
	f._loc == {"file": "app/orders/api.py", "line": 1}
}

test_one_way_imports_between_siblings_pass if {
	doc := fx.graph_doc({"app.orders.api": ["app.users.models"], "app.users.models": []})
	count(_findings(doc, _contract)) == 0
}

test_longer_cycle_is_reported_in_order if {
	doc := fx.graph_doc({"app.a.x": ["app.b.x"], "app.b.x": ["app.c.x"], "app.c.x": ["app.a.y"], "app.a.y": []})
	findings := _findings(doc, _contract)
	count(findings) == 1
	some f in findings
	contains(f.msg, "app.a -> app.b -> app.c -> app.a")
}

test_packages_in_data_decide_which_children_are_checked if {
	count(_findings(_two_cycle, {"packages": ["other"]})) == 0
}

test_nested_cycle_needs_recursive if {
	doc := fx.graph_doc({"app.orders.a.x": ["app.orders.b.x"], "app.orders.b.x": ["app.orders.a.y"], "app.orders.a.y": []})
	count(_findings(doc, _contract)) == 0
	findings := _findings(doc, object.union(_contract, {"recursive": true}))
	count(findings) == 1
	some f in findings
	contains(f.msg, "children of app.orders")
}

test_importing_a_parent_package_is_not_a_sibling_cycle if {
	doc := fx.graph_doc({"app.orders": ["app.orders.api"], "app.orders.api": ["app.orders"]})
	count(_findings(doc, object.union(_contract, {"recursive": true}))) == 0
}
