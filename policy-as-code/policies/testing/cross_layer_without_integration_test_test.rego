package sentinel.testing.cross_layer_without_integration_test_test

import data.sentinel.testing.cross_layer_without_integration_test as rule
import data.sentinel.testing.fixtures_test as fx

_layers := {"web": ["app/web/**"], "store": ["app/store/**"]}

_findings(doc) := f if {
	f := rule.deny_cross_layer_without_integration_test with input as doc
		with data.sentinel.params.core.layers as _layers
		with data.sentinel.params.testing.integration_test_paths as ["tests/integration/**"]
}

_two_layers := [fx.changed("app/web/views.py", "M", false), fx.changed("app/store/db.py", "M", false)]

test_change_across_two_layers_without_integration_test_is_denied if {
	findings := _findings(fx.changes(_two_layers))
	count(findings) == 1
	some f in findings
	f.rule == "testing.cross_layer_without_integration_test"
	contains(f.msg, "2 layers (store: app/store/db.py, web: app/web/views.py)")
}

test_change_across_layers_with_integration_test_passes if {
	files := array.concat(_two_layers, [fx.changed("tests/integration/test_flow.py", "A", true)])
	count(_findings(fx.changes(files))) == 0
}

test_change_within_one_layer_passes if {
	files := [fx.changed("app/web/views.py", "M", false), fx.changed("app/web/forms.py", "M", false)]
	count(_findings(fx.changes(files))) == 0
}

test_layers_in_data_decide_the_verdict if {
	count(rule.deny_cross_layer_without_integration_test) == 0 with input as fx.changes(_two_layers)
		with data.sentinel.params.core.layers as {"app": ["app/**"]}
		with data.sentinel.params.testing.integration_test_paths as ["tests/integration/**"]
}

test_integration_test_paths_in_data_decide_what_counts if {
	files := array.concat(_two_layers, [fx.changed("tests/e2e/test_flow.py", "A", true)])
	count(_findings(fx.changes(files))) == 1
	count(rule.deny_cross_layer_without_integration_test) == 0 with input as fx.changes(files)
		with data.sentinel.params.core.layers as _layers
		with data.sentinel.params.testing.integration_test_paths as ["tests/e2e/**"]
}

test_layer_given_by_the_document_wins_over_data if {
	files := [object.union(fx.changed("app/web/views.py", "M", false), {"layer": "store"}), fx.changed("app/store/db.py", "M", false)]
	count(_findings(fx.changes(files))) == 0
}
