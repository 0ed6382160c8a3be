package sentinel.observability.unstructured_logging

import data.sentinel.lib

_meta := {"rule": "observability.unstructured_logging"}

_paths := lib.param("observability", "service_paths", ["**"])

_exempt := lib.param("observability", "exempt_paths", [])

_what := {
	"print": "print() instead of a logger",
	"fstring": "an f-string message",
	"percent": "a %-formatted message",
	"format": "a .format() message",
	"concat": "a concatenated message",
}

# METADATA
# title: Structured logging in service code
# description: >-
#   In service code (service_paths, minus exempt_paths; tests are never listed), print() calls and
#   logger calls whose message is an f-string, %-formatted, .format()-ed or concatenated string
#   make logs that cannot be searched by field. Each is a warning.
# custom:
#   id: observability.unstructured_logging
#   severity: low
#   input: observability
#   data:
#     - sentinel.params.observability.service_paths
#     - sentinel.params.observability.exempt_paths
#   fix: >-
#     Log through a logger with a constant message and the values as arguments or fields
#     (logger.info("order paid", extra={...})).
warn_unstructured_logging contains lib.finding(_meta, msg, u.file, u.line) if {
	input.kind == "observability"
	some u in input.unstructured_logs
	lib.path_in(u.file, _paths)
	not lib.path_in(u.file, _exempt)
	not lib.excepted("observability.unstructured_logging", u.file)
	msg := sprintf(
		"%s logs with %s. Use a logger with a constant message and pass the values as fields.",
		[u.call, object.get(_what, u.reason, u.reason)],
	)
}

exception contains ["unstructured_logging"] if {
	input.kind == "observability"
	"unstructured_logging" in lib.excepted_rules("observability")
}
