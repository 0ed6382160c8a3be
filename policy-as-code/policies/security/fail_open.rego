package sentinel.security.fail_open

import data.sentinel.lib

_meta := {"rule": "security.fail_open"}

_paths := lib.param("security", "safety_paths", [])

# A regular expression over the lower-cased file path and function name; "" turns it off.
_default_names := `(^|[^a-z])(auth|authn|authz|oauth2?|authori[sz](e|ed|es|er|ers|ation)|authenticat(e|ed|es|or|ion)|permissions?|perms?|polic(y|ies)|access|acls?|rbac|abac|entitlements?)([^a-z]|$)`

_names := lib.param("security", "safety_names", _default_names)

_in_safety_code(site) if lib.path_in(site.file, _paths)

_in_safety_code(site) if {
	_names != ""
	some text in [lower(site.file), lower(site.function)]
	regex.match(_names, text)
}

# METADATA
# title: Safety code fails closed
# description: >-
#   In safety code (authorization, authentication, access control, policy, rate limiting, feature
#   gates), an error handler or fallback that allows (returns True, "allow", Decision.ALLOW,
#   Ok(true), unwrap_or(true)) lets a failure grant access. Reads the fail-open sites of the safety
#   document (file, line, function, pattern, detail) and reports those in files matching
#   safety_paths, or whose path or function name matches safety_names (by default words such as
#   auth, authz, permission, policy, access, acl, rbac).
# custom:
#   id: security.fail_open
#   severity: critical
#   input: safety
#   data:
#     - sentinel.params.security.safety_paths
#     - sentinel.params.security.safety_names
#   fix: >-
#     Fail closed: on an error deny (return False, raise, or answer 403/503), never allow by
#     default.
deny_fail_open contains lib.finding(_meta, msg, site.file, site.line) if {
	input.kind == "safety"
	some site in input.fail_open
	_in_safety_code(site)
	not lib.excepted("security.fail_open", site.file)
	msg := sprintf(
		"%s in %s fails open (%s). A safety check must deny when it cannot decide: return a denial or raise instead.",
		[site.pattern, site.function, site.detail],
	)
}

exception contains ["fail_open"] if {
	input.kind == "safety"
	"fail_open" in lib.excepted_rules("security")
}
