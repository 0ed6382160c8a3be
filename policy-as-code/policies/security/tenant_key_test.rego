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
	"wildcard": false,
	"via_variable": null,
}

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
