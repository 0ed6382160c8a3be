package sentinel.security.cross_tenant_wildcard_test

import data.sentinel.security.cross_tenant_wildcard as rule

_site(key, has_tenant, wildcard) := {
	"file": "app/events.py",
	"line": 8,
	"sink": "nats-subscribe",
	"sink_kind": "subject",
	"key": key,
	"has_tenant": has_tenant,
	"wildcard": wildcard,
}

test_wildcard_without_tenant_is_denied if {
	findings := rule.deny_cross_tenant_wildcard with input as {"kind": "tenancy", "sites": [_site(`"orders.>"`, false, true)]}
	count(findings) == 1
	some f in findings
	f.rule == "security.cross_tenant_wildcard"
	f._loc == {"file": "app/events.py", "line": 8}
}

test_wildcard_scoped_by_tenant_passes if {
	count(rule.deny_cross_tenant_wildcard) == 0 with input as {"kind": "tenancy", "sites": [_site(`f"{tenant_id}.orders.>"`, true, true)]}
}

test_key_without_wildcard_passes if {
	count(rule.deny_cross_tenant_wildcard) == 0 with input as {"kind": "tenancy", "sites": [_site(`"orders.created"`, false, false)]}
}
