package sentinel.observability.handler_without_log_or_trace_test

import data.sentinel.observability.fixtures_test as fx
import data.sentinel.observability.handler_without_log_or_trace as rule

test_handler_without_trace_warns if {
	warnings := rule.warn_handler_without_log_or_trace with data.sentinel.params.observability as {} with input as fx.doc([fx.handler({"emits_trace": false})], [])
	count(warnings) == 1
	some w in warnings
	w.rule == "observability.handler_without_log_or_trace"
	contains(w.msg, "has no trace span")
}

test_handler_without_log_and_trace_names_both if {
	warnings := rule.warn_handler_without_log_or_trace with data.sentinel.params.observability as {} with input as fx.doc([fx.handler({"emits_log": false, "emits_trace": false})], [])
	some w in warnings
	contains(w.msg, "has no structured log and no trace span")
}

test_handler_with_log_and_trace_passes if {
	count(rule.warn_handler_without_log_or_trace) == 0 with data.sentinel.params.observability as {} with input as fx.doc([fx.handler({"emits_metric": false})], [])
}

test_handlers_in_tests_and_benchmarks_do_not_warn if {
	every file in ["tests/test_app.py", "pkg/tests/apps.py", "benchmarks/app.py"] {
		count(rule.warn_handler_without_log_or_trace) == 0 with data.sentinel.params.observability as {} with input as fx.doc([fx.handler({"emits_trace": false, "file": file})], [])
	}
}
