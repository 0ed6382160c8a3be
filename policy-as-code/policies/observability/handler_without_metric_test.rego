package sentinel.observability.handler_without_metric_test

import data.sentinel.observability.fixtures_test as fx
import data.sentinel.observability.handler_without_metric as rule

test_public_handler_without_metric_is_denied if {
	findings := rule.deny_handler_without_metric with input as fx.doc([fx.handler({"emits_metric": false})], [])
	count(findings) == 1
	some f in findings
	f.rule == "observability.handler_without_metric"
	f._loc == {"file": "app/api/orders.py", "line": 12}
	contains(f.msg, "create_order (POST /orders)")
}

test_handler_with_metric_passes if {
	count(rule.deny_handler_without_metric) == 0 with input as fx.doc([fx.handler({})], [])
}

test_internal_handler_without_metric_passes if {
	count(rule.deny_handler_without_metric) == 0 with input as fx.doc([fx.handler({"emits_metric": false, "public": false})], [])
}

test_unresolved_handler_is_left_out if {
	count(rule.deny_handler_without_metric) == 0 with input as fx.doc([fx.handler({"emits_metric": false, "resolved": false})], [])
}
