package sentinel.observability.unstructured_logging_test

import data.sentinel.observability.fixtures_test as fx
import data.sentinel.observability.unstructured_logging as rule

_logs := [
	{"file": "app/orders/service.py", "line": 30, "call": "logger.info", "reason": "fstring"},
	{"file": "scripts/migrate.py", "line": 4, "call": "print", "reason": "print"},
]

_warnings(paths, exempt) := w if {
	w := rule.warn_unstructured_logging with input as fx.doc([], _logs)
		with data.sentinel.params.observability.service_paths as paths
		with data.sentinel.params.observability.exempt_paths as exempt
}

test_formatted_logger_message_in_service_code_warns if {
	warnings := _warnings(["app/**"], [])
	count(warnings) == 1
	some w in warnings
	w.rule == "observability.unstructured_logging"
	w._loc == {"file": "app/orders/service.py", "line": 30}
	contains(w.msg, "an f-string message")
}

test_service_paths_in_data_decide_what_is_service_code if {
	count(_warnings(["app/**", "scripts/**"], [])) == 2
}

test_exempt_paths_in_data_are_left_out if {
	count(_warnings(["**"], ["scripts/**"])) == 1
}

test_document_without_unstructured_logs_passes if {
	count(rule.warn_unstructured_logging) == 0 with input as fx.doc([], [])
}
