# METADATA
# title: Runtime decision
# description: >-
#   Decides a request {tenant, subject, action, resource, context} from data held per tenant in
#   data.sentinel.runtime.decision: the subjects' roles, the actions each role grants (globs), the
#   resources no one may touch, the actions that need MFA. Each deny reason carries a weight in
#   basis points (0..10000); the weights are data too, so teams tune them without editing Rego.
#   A request the data does not cover is denied: an unknown tenant, an unknown subject, an action
#   no role grants.
package sentinel.decision

import rego.v1

default _cfg := {}

_cfg := data.sentinel.runtime.decision

_tenant := object.get(object.get(_cfg, "tenants", {}), input.tenant, {})

_known_tenant if _ = _cfg.tenants[input.tenant]

_default_weights := {
	"unknown_tenant": 10000,
	"unknown_subject": 10000,
	"suspended_subject": 10000,
	"action_not_granted": 10000,
	"forbidden_resource": 10000,
	"mfa_required": 7000,
}

_weights := object.union(_default_weights, object.get(_cfg, "weights", {}))

_roles := object.get(object.get(_tenant, "subjects", {}), input.subject, [])

deny contains {
	"rule": "decision.unknown_tenant",
	"message": sprintf("tenant %q has no access configuration", [input.tenant]),
	"weight": _weights.unknown_tenant,
} if {
	not _known_tenant
}

deny contains {
	"rule": "decision.unknown_subject",
	"message": sprintf("subject %q has no role in tenant %q", [input.subject, input.tenant]),
	"weight": _weights.unknown_subject,
} if {
	_known_tenant
	count(_roles) == 0
}

deny contains {
	"rule": "decision.suspended_subject",
	"message": sprintf("subject %q is suspended in tenant %q", [input.subject, input.tenant]),
	"weight": _weights.suspended_subject,
} if {
	input.subject in object.get(_tenant, "suspended", [])
}

deny contains {
	"rule": "decision.action_not_granted",
	"message": sprintf("no role of %q grants %q in tenant %q", [input.subject, input.action, input.tenant]),
	"weight": _weights.action_not_granted,
} if {
	count(_roles) > 0
	not _granted
}

deny contains {
	"rule": "decision.forbidden_resource",
	"message": sprintf("resource %q is closed to every request in tenant %q (pattern %q)", [input.resource, input.tenant, pattern]),
	"weight": _weights.forbidden_resource,
} if {
	some pattern in object.get(_tenant, "forbidden_resources", [])
	glob.match(pattern, ["/"], input.resource)
}

deny contains {
	"rule": "decision.mfa_required",
	"message": sprintf("%q needs multi-factor authentication; the request's context has no mfa: true", [input.action]),
	"weight": _weights.mfa_required,
} if {
	some pattern in object.get(_tenant, "mfa_actions", [])
	glob.match(pattern, ["."], input.action)
	not _mfa
}

warn contains {
	"rule": "decision.break_glass",
	"message": sprintf("%q used break-glass access in tenant %q", [input.subject, input.tenant]),
	"weight": 0,
} if {
	object.get(input, ["context", "break_glass"], false) == true
}

_granted if {
	some role in _roles
	some pattern in object.get(object.get(_tenant, "roles", {}), role, [])
	glob.match(pattern, ["."], input.action)
}

_mfa if object.get(input, ["context", "mfa"], false) == true
