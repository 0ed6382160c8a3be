package sentinel.protocol.breaking_change

import data.sentinel.lib

_breaking_change_meta := {"rule": "protocol.breaking_change"}

_strictness := lib.param("protocol", "strictness", "WIRE_JSON")

# Deleted fields are reported by protocol.field_removed_without_reserve, which says exactly
# what to reserve; buf's *_UNLESS_*_RESERVED field rules would repeat it.
_reserve_rules := {"FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", "FIELD_NO_DELETE_UNLESS_NAME_RESERVED"}

# An allowlist entry matches a change by buf rule id (or "*") and element full name; it counts
# only with a non-empty reason.
_breaking_allowed(change) if {
	some entry in lib.param("protocol", "allowed_breaking", [])
	entry.element == change.element
	entry.rule in {"*", change.rule}
	lib.has_reason(entry)
}

# METADATA
# title: No breaking proto change of the configured strictness
# description: >-
#   Reports every buf breaking change (FILE, PACKAGE, WIRE_JSON or WIRE rules, as the proto
#   extractor classifies them against the base revision) whose categories include the configured
#   strictness (buf's categories nest: FILE > PACKAGE > WIRE_JSON > WIRE). A change listed in
#   allowed_breaking with a reason is accepted.
# custom:
#   id: protocol.breaking_change
#   severity: high
#   input: proto
#   data:
#     - sentinel.params.protocol.strictness
#     - sentinel.params.protocol.allowed_breaking
#   fix: >-
#     Keep the old element (deprecate it instead), or allowlist this change in
#     data.sentinel.params.protocol.allowed_breaking with a reason.
deny_breaking_change contains lib.finding(_breaking_change_meta, msg, change.file, change.line) if {
	input.kind == "proto"
	some change in input.changes
	_strictness in change.categories
	not change.rule in _reserve_rules
	not _breaking_allowed(change)
	not lib.excepted("protocol.breaking_change", change.file)
	msg := sprintf(
		"breaking change %s (%s strictness) on %s: %s Keep or deprecate the element, or allowlist {rule: %s, element: %s, reason: ...} in data.sentinel.params.protocol.allowed_breaking.",
		[change.rule, _strictness, change.element, change.message, change.rule, change.element],
	)
}

exception contains ["breaking_change"] if {
	input.kind == "proto"
	"breaking_change" in lib.excepted_rules("protocol")
}
