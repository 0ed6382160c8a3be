package sentinel.architecture.no_direct_http_test

import data.sentinel.architecture.fixtures_test as fx
import data.sentinel.architecture.no_direct_http

_with_call(module, file) := object.union(fx.py(module, []), {
	"file": file,
	"calls": [{"file": file, "line": 7, "name": "requests.get", "pattern": "requests."}],
})

_findings(doc, params) := f if {
	f := no_direct_http.deny_no_direct_http with input as doc
		with data.sentinel.params.architecture.http as params
}

test_direct_http_call_outside_allowed_modules_is_denied if {
	doc := fx.doc([_with_call("app.orders.sync", "app/orders/sync.py")])
	findings := _findings(doc, {"allowed_modules": ["app.clients"]})
	count(findings) == 1
	some f in findings
	f.rule == "architecture.no_direct_http"
	f._loc == {"file": "app/orders/sync.py", "line": 7}
	contains(f.msg, "requests.get")
}

test_call_in_an_allowed_module_passes if {
	doc := fx.doc([_with_call("app.clients.billing", "app/clients/billing.py")])
	count(_findings(doc, {"allowed_modules": ["app.clients"]})) == 0
}

test_call_under_an_exempt_path_passes if {
	doc := fx.doc([_with_call("tests.test_sync", "tests/test_sync.py")])
	count(_findings(doc, {"allowed_modules": [], "exempt_paths": ["tests/**"]})) == 0
	count(_findings(doc, {"allowed_modules": [], "exempt_paths": []})) == 1
}

test_file_without_calls_passes if {
	count(_findings(fx.doc([fx.py("app.orders.sync", [])]), {})) == 0
}

test_allowed_modules_in_data_decide_the_verdict if {
	doc := fx.doc([_with_call("app.orders.sync", "app/orders/sync.py")])
	count(_findings(doc, {"allowed_modules": ["app.orders"]})) == 0
	count(_findings(doc, {"allowed_modules": ["app.clients"]})) == 1
}
