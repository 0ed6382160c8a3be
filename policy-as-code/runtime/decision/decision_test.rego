package sentinel.decision_test

import rego.v1

import data.sentinel.decision

_data := {"tenants": {"acme": {
	"subjects": {"alice": ["admin"], "bob": ["viewer"], "carol": ["viewer", "billing"], "mallory": ["viewer"]},
	"roles": {"admin": ["**"], "viewer": ["*.read"], "billing": ["invoices.*"]},
	"suspended": ["mallory"],
	"forbidden_resources": ["secrets/root/**"],
	"mfa_actions": ["*.delete"],
}}}

_req(subject, action, resource, context) := {
	"tenant": "acme",
	"subject": subject,
	"action": action,
	"resource": resource,
	"context": context,
}

_rules(reasons) := {r.rule | some r in reasons}

test_granted_action_is_allowed if {
	reasons := decision.deny with input as _req("bob", "orders.read", "orders/1", {})
		with data.sentinel.runtime.decision as _data
	count(reasons) == 0
}

test_action_no_role_grants_is_denied if {
	reasons := decision.deny with input as _req("bob", "orders.write", "orders/1", {})
		with data.sentinel.runtime.decision as _data
	_rules(reasons) == {"decision.action_not_granted"}
}

test_any_role_of_the_subject_may_grant if {
	reasons := decision.deny with input as _req("carol", "invoices.send", "invoices/9", {})
		with data.sentinel.runtime.decision as _data
	count(reasons) == 0
}

test_unknown_tenant_is_denied if {
	reasons := decision.deny with input as object.union(_req("bob", "orders.read", "orders/1", {}), {"tenant": "globex"})
		with data.sentinel.runtime.decision as _data
	_rules(reasons) == {"decision.unknown_tenant"}
}

test_empty_configuration_denies_every_request if {
	reasons := decision.deny with input as _req("alice", "orders.read", "orders/1", {})
		with data.sentinel.runtime.decision as {}
	_rules(reasons) == {"decision.unknown_tenant"}
}

test_unknown_subject_is_denied if {
	reasons := decision.deny with input as _req("eve", "orders.read", "orders/1", {})
		with data.sentinel.runtime.decision as _data
	_rules(reasons) == {"decision.unknown_subject"}
}

test_suspended_subject_is_denied if {
	reasons := decision.deny with input as _req("mallory", "orders.read", "orders/1", {})
		with data.sentinel.runtime.decision as _data
	_rules(reasons) == {"decision.suspended_subject"}
}

test_forbidden_resource_is_denied_even_to_admins if {
	reasons := decision.deny with input as _req("alice", "secrets.read", "secrets/root/key", {})
		with data.sentinel.runtime.decision as _data
	_rules(reasons) == {"decision.forbidden_resource"}
}

test_mfa_action_without_mfa_is_denied_with_its_weight if {
	reasons := decision.deny with input as _req("alice", "orders.delete", "orders/1", {})
		with data.sentinel.runtime.decision as _data
	reasons == {{
		"rule": "decision.mfa_required",
		"message": "\"orders.delete\" needs multi-factor authentication; the request's context has no mfa: true",
		"weight": 7000,
	}}
}

test_mfa_action_with_mfa_is_allowed if {
	reasons := decision.deny with input as _req("alice", "orders.delete", "orders/1", {"mfa": true})
		with data.sentinel.runtime.decision as _data
	count(reasons) == 0
}

test_weights_come_from_data if {
	reasons := decision.deny with input as _req("alice", "orders.delete", "orders/1", {})
		with data.sentinel.runtime.decision as object.union(_data, {"weights": {"mfa_required": 2500}})
	[r.weight | some r in reasons] == [2500]
}

test_break_glass_warns_without_denying if {
	warnings := decision.warn with input as _req("bob", "orders.read", "orders/1", {"break_glass": true})
		with data.sentinel.runtime.decision as _data
	{w.rule | some w in warnings} == {"decision.break_glass"}
	count(decision.deny) == 0 with input as _req("bob", "orders.read", "orders/1", {"break_glass": true})
		with data.sentinel.runtime.decision as _data
}
