package sentinel.decision_tokens_test

import rego.v1

import data.sentinel.decision

_data := {"tenants": {"acme": {
	"subjects": {"alice": ["issuer"], "bob": ["viewer"], "svc": ["session-service"]},
	"roles": {"issuer": ["tokens.issue"], "viewer": ["*.read"], "session-service": ["tokens.issue"]},
	"mintable_scopes": {"issuer": ["orders:*", "chat:read"], "session-service": ["chat:*"]},
	"max_token_ttl_s": 600,
}}}

_issue(subject, scopes, ttl) := {
	"tenant": "acme",
	"subject": subject,
	"action": "tokens.issue",
	"resource": "tokens/chat-api",
	"context": {"scope": scopes, "audience": "chat-api", "token_subject": "u1", "ttl_s": ttl},
}

_rules(reasons) := {r.rule | some r in reasons}

test_mintable_scopes_are_allowed if {
	reasons := decision.deny with input as _issue("alice", ["orders:read", "chat:read"], 300)
		with data.sentinel.runtime.decision as _data
	count(reasons) == 0
}

test_scope_outside_the_callers_roles_is_denied if {
	reasons := decision.deny with input as _issue("alice", ["chat:write"], 300)
		with data.sentinel.runtime.decision as _data
	_rules(reasons) == {"decision.token_scope_not_mintable"}
}

test_glob_does_not_cross_the_colon if {
	reasons := decision.deny with input as _issue("svc", ["chat:admin:all"], 300)
		with data.sentinel.runtime.decision as _data
	_rules(reasons) == {"decision.token_scope_not_mintable"}
}

test_subject_without_the_issue_grant_is_denied if {
	reasons := decision.deny with input as _issue("bob", ["chat:read"], 300)
		with data.sentinel.runtime.decision as _data
	"decision.action_not_granted" in _rules(reasons)
}

test_request_without_a_scope_list_is_denied if {
	reasons := decision.deny with input as object.union(_issue("alice", [], 300), {"context": {"scope": "chat:read"}})
		with data.sentinel.runtime.decision as _data
	_rules(reasons) == {"decision.token_scope_missing"}
}

test_lifetime_over_the_tenant_cap_is_denied if {
	reasons := decision.deny with input as _issue("alice", ["chat:read"], 3600)
		with data.sentinel.runtime.decision as _data
	_rules(reasons) == {"decision.token_ttl_too_long"}
}

test_double_star_matches_any_depth if {
	reasons := decision.deny with input as object.union(_issue("alice", ["orders:eu:read"], 300), {})
		with data.sentinel.runtime.decision as object.union(_data, {"tenants": {"acme": {"mintable_scopes": {"issuer": ["orders:**"]}}}})
	count(reasons) == 0
}

test_star_needs_a_segment_after_the_prefix if {
	reasons := decision.deny with input as _issue("svc", ["chat:"], 300)
		with data.sentinel.runtime.decision as _data
	_rules(reasons) == {"decision.token_scope_not_mintable"}
}

test_other_actions_are_untouched if {
	reasons := decision.deny with input as {"tenant": "acme", "subject": "bob", "action": "orders.read", "resource": "o/1", "context": {}}
		with data.sentinel.runtime.decision as _data
	count(reasons) == 0
}
