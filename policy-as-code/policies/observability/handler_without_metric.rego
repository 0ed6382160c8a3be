package sentinel.observability.handler_without_metric

import data.sentinel.lib
import data.sentinel.observability

_meta := {"rule": "observability.handler_without_metric"}

_route(h) := sprintf("%s %s", [h.method, h.route]) if is_string(h.route)

_route(h) := "(route unknown)" if not is_string(h.route)

# METADATA
# title: Public handlers emit a metric
# description: >-
#   Every public HTTP handler (routes not matched by the extractor's internal_routes) in service
#   code must call a metric (the extractor's metric_calls patterns) in its body or decorators.
#   Service code is service_paths minus exempt_paths (benchmarks, benches, examples, docs and
#   fixtures by default), never test files (test folders at any depth, test_*.py, *_test.go and
#   the like): the apps tests build are fixtures, not services. Handlers whose definition the
#   extractor could not find are left out: it cannot tell.
# custom:
#   id: observability.handler_without_metric
#   severity: medium
#   input: observability
#   data:
#     - sentinel.params.observability.service_paths
#     - sentinel.params.observability.exempt_paths
#   fix: >-
#     Record a metric in the handler (a counter or histogram for requests, errors and latency), or
#     a metrics decorator.
deny_handler_without_metric contains lib.finding(_meta, msg, h.file, h.line) if {
	input.kind == "observability"
	some h in input.handlers
	h.public
	h.resolved
	observability.service_code(h.file)
	not h.emits_metric
	not lib.excepted("observability.handler_without_metric", h.file)
	msg := sprintf(
		"public handler %s (%s) emits no metric. Count its requests, errors and latency with a metric.",
		[h.name, _route(h)],
	)
}

exception contains ["handler_without_metric"] if {
	input.kind == "observability"
	"handler_without_metric" in lib.excepted_rules("observability")
}
