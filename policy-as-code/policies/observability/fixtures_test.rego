# Builders of small observability documents.
package sentinel.observability.fixtures_test

handler(extra) := object.union({
	"file": "app/api/orders.py",
	"line": 12,
	"name": "create_order",
	"language": "python",
	"framework": "fastapi",
	"route": "/orders",
	"method": "POST",
	"public": true,
	"registered_at": {"file": "app/api/orders.py", "line": 11},
	"resolved": true,
	"emits_metric": true,
	"emits_log": true,
	"emits_trace": true,
	"metric_calls": [],
	"log_calls": [],
	"trace_calls": [],
}, extra)

doc(handlers, logs) := {"kind": "observability", "handlers": handlers, "unstructured_logs": logs}
