# Who may mint which token scope (the package's METADATA annotation lives in decision.rego).
#
# Adds deny reasons to the runtime decision for the action "tokens.issue" (POST /v1/tokens/issue).
# The route puts the requested scopes in input.context.scope (a list) and the lifetime in
# input.context.ttl_s. Each tenant lists, per role, the scope patterns (globs, ":" separated) its
# subjects may mint in "mintable_scopes" ("chat:read" exactly, "chat:*" one more segment, "chat:**" any
# depth; matched without glob.match, whose ":" delimiter regorus 0.13 does not honour), and may cap the lifetime with "max_token_ttl_s". A scope no
# role of the caller may mint is denied; so is a request that names no scope list. Holding an action
# grant for "tokens.issue" (decision.rego) is needed as well.
package sentinel.decision

import rego.v1

_issuing if input.action == "tokens.issue"

_requested_scopes := object.get(input, ["context", "scope"], null)

_mintable(scope) if {
	some role in _roles
	some pattern in object.get(object.get(_tenant, "mintable_scopes", {}), role, [])
	_scope_matches(pattern, scope)
}

_scope_matches(pattern, scope) if pattern == scope

_scope_matches(pattern, scope) if {
	endswith(pattern, ":*")
	prefix := trim_suffix(pattern, "*")
	startswith(scope, prefix)
	rest := substring(scope, count(prefix), -1)
	rest != ""
	not contains(rest, ":")
}

_scope_matches(pattern, scope) if {
	endswith(pattern, ":**")
	prefix := trim_suffix(pattern, "**")
	startswith(scope, prefix)
	count(scope) > count(prefix)
}

deny contains {
	"rule": "decision.token_scope_missing",
	"message": "a token request must list its scopes in context.scope",
	"weight": object.get(_weights, "token_scope_missing", 10000),
} if {
	_issuing
	not is_array(_requested_scopes)
}

deny contains {
	"rule": "decision.token_scope_not_mintable",
	"message": sprintf("no role of %q may mint scope %q in tenant %q", [input.subject, scope, input.tenant]),
	"weight": object.get(_weights, "token_scope_not_mintable", 10000),
} if {
	_issuing
	is_array(_requested_scopes) # regorus errors on `some .. in` a string, where OPA is undefined
	some scope in _requested_scopes
	not _mintable(scope)
}

deny contains {
	"rule": "decision.token_ttl_too_long",
	"message": sprintf("tokens in tenant %q live at most %d s", [input.tenant, _tenant.max_token_ttl_s]),
	"weight": object.get(_weights, "token_ttl_too_long", 10000),
} if {
	_issuing
	is_number(input.context.ttl_s)
	input.context.ttl_s > _tenant.max_token_ttl_s
}
