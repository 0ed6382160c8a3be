package sentinel.security.fail_open

import data.sentinel.lib

_meta := {
	"rule": "security.fail_open",
	"category": "security",
	"severity": "critical",
	"fix": "Fail closed: on an error deny (return False, raise, or answer 403/503), never allow by default.",
}

_paths := lib.param("security", "safety_paths", [])

# METADATA
# title: Safety modules fail closed
# description: >-
#   In the configured safety modules (authorization, rate limiting, feature gates), an error
#   handler or default branch that allows (returns True, "allow", a success) lets a failure grant
#   access. Reads the fail-open sites of the safety document (file, line, function, pattern,
#   detail) and reports those under safety_paths.
# custom:
#   id: security.fail_open
#   severity: critical
#   input: safety
#   data:
#     - sentinel.params.security.safety_paths
#   requires:
#     - sentinel.params.security.safety_paths
#   fix: Deny on error and by default.
deny_fail_open contains lib.finding(_meta, msg, site.file, site.line) if {
	input.kind == "safety"
	some site in input.fail_open
	lib.path_in(site.file, _paths)
	not lib.excepted("security.fail_open", site.file)
	msg := sprintf(
		"%s:%d: %s in %s fails open (%s). A safety check must deny when it cannot decide: return a denial or raise instead.",
		[site.file, site.line, site.pattern, site.function, site.detail],
	)
}

exception contains ["fail_open"] if {
	input.kind == "safety"
	"fail_open" in lib.excepted_rules("security")
}
