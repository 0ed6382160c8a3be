package sentinel.observability.handler_without_log_or_trace

import data.sentinel.lib
import data.sentinel.observability

_meta := {"rule": "observability.handler_without_log_or_trace"}

_missing(h) := [what |
	some what, flag in {"structured log": h.emits_log, "trace span": h.emits_trace}
	not flag
]

_route(h) := sprintf("%s %s", [h.method, h.route]) if is_string(h.route)

_route(h) := "(route unknown)" if not is_string(h.route)

# METADATA
# title: Handlers log and trace
# description: >-
#   Public HTTP handlers in service code (as for handler_without_metric: service_paths minus
#   exempt_paths, never test files) should write a structured log and open a trace span (the
#   extractor's log_calls and trace_calls patterns). A warning names what is missing; handlers
#   whose definition was not found are left out.
# custom:
#   id: observability.handler_without_log_or_trace
#   severity: low
#   input: observability
#   data:
#     - sentinel.params.observability.service_paths
#     - sentinel.params.observability.exempt_paths
#   fix: >-
#     Log the request with a structured logger and open a trace span in the handler.
warn_handler_without_log_or_trace contains lib.finding(_meta, msg, h.file, h.line) if {
	input.kind == "observability"
	some h in input.handlers
	h.public
	h.resolved
	observability.service_code(h.file)
	missing := _missing(h)
	count(missing) > 0
	not lib.excepted("observability.handler_without_log_or_trace", h.file)
	msg := sprintf(
		"handler %s (%s) has no %s. Add them so requests can be followed in logs and traces.",
		[h.name, _route(h), concat(" and no ", sort(missing))],
	)
}

exception contains ["handler_without_log_or_trace"] if {
	input.kind == "observability"
	"handler_without_log_or_trace" in lib.excepted_rules("observability")
}
