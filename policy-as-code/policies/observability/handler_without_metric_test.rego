package sentinel.observability.handler_without_metric_test

import data.sentinel.observability.fixtures_test as fx
import data.sentinel.observability.handler_without_metric as rule

test_public_handler_without_metric_is_denied if {
	findings := rule.deny_handler_without_metric with data.sentinel.params.observability as {} with input as fx.doc([fx.handler({"emits_metric": false})], [])
	count(findings) == 1
	some f in findings
	f.rule == "observability.handler_without_metric"
	f._loc == {"file": "app/api/orders.py", "line": 12}
	contains(f.msg, "create_order (POST /orders)")
}

test_handler_with_metric_passes if {
	count(rule.deny_handler_without_metric) == 0 with data.sentinel.params.observability as {} with input as fx.doc([fx.handler({})], [])
}

test_internal_handler_without_metric_passes if {
	count(rule.deny_handler_without_metric) == 0 with data.sentinel.params.observability as {} with input as fx.doc([fx.handler({"emits_metric": false, "public": false})], [])
}

test_unresolved_handler_is_left_out if {
	count(rule.deny_handler_without_metric) == 0 with data.sentinel.params.observability as {} with input as fx.doc([fx.handler({"emits_metric": false, "resolved": false})], [])
}

_denied(file) := f if {
	f := rule.deny_handler_without_metric with data.sentinel.params.observability as {} with input as fx.doc([fx.handler({"emits_metric": false, "file": file})], [])
}

test_handlers_in_test_files_are_not_services if {
	every file in [
		"tests/test_routing.py", "pkg/tests/apps.py", "app/test/server.go", "tower/tests/util/mod.rs",
		"app/api/test_orders.py", "app/api/orders_test.py", "app/conftest.py", "cmd/server_test.go",
		"web/src/orders.spec.ts",
	] {
		count(_denied(file)) == 0
	}
}

test_handlers_in_benchmarks_examples_and_docs_are_not_services_by_default if {
	every file in ["benchmarks/app.py", "examples/hello/main.py", "docs/src/app.py", "crate/benches/b.rs"] {
		count(_denied(file)) == 0
	}
}

test_a_service_under_a_default_exempt_folder_counts_once_exempt_paths_is_set if {
	findings := rule.deny_handler_without_metric with input as fx.doc([fx.handler({"emits_metric": false, "file": "examples/shop/api.py"})], [])
		with data.sentinel.params.observability as {"exempt_paths": []}
	count(findings) == 1
}

test_a_file_named_like_a_test_folder_is_still_service_code if {
	count(_denied("app/testing_tools.py")) == 1
	count(_denied("app/contest.py")) == 1
}

test_service_paths_in_data_decide_what_is_service_code if {
	doc := fx.doc([fx.handler({"emits_metric": false, "file": "scripts/admin.py"})], [])
	count(rule.deny_handler_without_metric) == 1 with input as doc with data.sentinel.params.observability as {}
	count(rule.deny_handler_without_metric) == 0 with input as doc
		with data.sentinel.params.observability as {"service_paths": ["app/**"]}
}
