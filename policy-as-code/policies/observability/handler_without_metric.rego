package sentinel.observability.handler_without_metric

import data.sentinel.lib

_meta := {
	"rule": "observability.handler_without_metric",
	"category": "observability",
	"severity": "medium",
	"fix": "Record a metric in the handler (a counter or histogram for requests, errors and latency), or a metrics decorator.",
}

_route(h) := sprintf("%s %s", [h.method, h.route]) if is_string(h.route)

_route(h) := "(route unknown)" if not is_string(h.route)

# METADATA
# title: Public handlers emit a metric
# description: >-
#   Every public HTTP handler (routes not matched by the extractor's internal_routes) must call
#   a metric (the extractor's metric_calls patterns) in its body or decorators. Handlers whose
#   definition the extractor could not find are left out: it cannot tell.
# custom:
#   id: observability.handler_without_metric
#   severity: medium
#   input: observability
#   data: []
#   fix: Record a request metric in the handler.
deny_handler_without_metric contains lib.finding(_meta, msg, h.file, h.line) if {
	input.kind == "observability"
	some h in input.handlers
	h.public
	h.resolved
	not h.emits_metric
	not lib.excepted("observability.handler_without_metric", h.file)
	msg := sprintf(
		"%s:%d: public handler %s (%s) emits no metric. Count its requests, errors and latency with a metric.",
		[h.file, h.line, h.name, _route(h)],
	)
}

exception contains ["handler_without_metric"] if {
	input.kind == "observability"
	"handler_without_metric" in lib.excepted_rules("observability")
}
