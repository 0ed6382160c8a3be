package sentinel.security.tenant_key_test

import data.sentinel.security.tenant_key as rule

_site(key, has_tenant) := {
	"file": "app/orders/cache.py",
	"line": 14,
	"language": "python",
	"sink": "redis",
	"sink_kind": "cache_key",
	"call": "redis.get",
	"key": key,
	"construction": "fstring",
	"dynamic": true,
	"identifiers": [],
	"has_tenant": has_tenant,
	"tenant": _state(has_tenant),
	"tenant_from": null,
	"key_parameter": null,
	"receiver_type": null,
	"wildcard": false,
	"via_variable": null,
}

_state(true) := "present"

_state(false) := "absent"

_doc(sites) := {"kind": "tenancy", "sites": sites}

_findings(doc, params) := f if {
	f := rule.deny_tenant_key with input as doc
		with data.sentinel.params.security.tenancy as params
}

test_key_without_tenant_id_is_denied if {
	findings := _findings(_doc([_site(`f"orders:{order_id}"`, false)]), {"paths": ["app/**"]})
	count(findings) == 1
	some f in findings
	f.rule == "security.tenant_key"
	f._loc == {"file": "app/orders/cache.py", "line": 14}
}

test_key_with_tenant_id_passes if {
	count(_findings(_doc([_site(`f"{tenant_id}:orders:{order_id}"`, true)]), {"paths": ["app/**"]})) == 0
}

test_paths_in_data_decide_where_keys_are_checked if {
	count(_findings(_doc([_site(`f"orders:{order_id}"`, false)]), {"paths": ["lib/**"]})) == 0
}

test_shared_keys_in_data_are_allowed if {
	doc := _doc([_site(`"feature-flags"`, false)])
	count(_findings(doc, {"paths": ["app/**"]})) == 1
	count(_findings(doc, {"paths": ["app/**"], "shared_keys": [`^"feature-flags"$`]})) == 0
}

test_key_that_is_only_a_parameter_is_a_warning_not_a_denial if {
	site := object.union(_site("key", false), {"tenant": "unknown", "key_parameter": "key", "construction": "variable"})
	count(_findings(_doc([site]), {"paths": ["app/**"]})) == 0
	warnings := rule.warn_tenant_key with input as _doc([site])
		with data.sentinel.params.security.tenancy as {"paths": ["app/**"]}
	count(warnings) == 1
	some w in warnings
	w.rule == "security.tenant_key"
	w._loc == {"file": "app/orders/cache.py", "line": 14}
	not startswith(w.msg, "app/")
}

test_denial_message_does_not_repeat_the_location if {
	some f in _findings(_doc([_site(`f"orders:{order_id}"`, false)]), {"paths": ["app/**"]})
	startswith(f.msg, "cache_key f\"orders:{order_id}\" for redis")
}
