package sentinel.protocol.breaking_change_test

import data.sentinel.protocol.breaking_change

_change(rule, categories) := {
	"rule": rule,
	"categories": categories,
	"file": "api/v1/user.proto",
	"line": 12,
	"side": "head",
	"message": "Field \"2\" on message \"User\" changed type from \"string\" to \"int64\".",
	"element": "acme.v1.User.name",
	"details": {},
}

_doc(changes) := {"kind": "proto", "changes": changes, "additions": [], "deleted_fields": [], "files": []}

_wire_json_change := _change("FIELD_WIRE_JSON_COMPATIBLE_TYPE", ["WIRE_JSON"])

_file_only_change := _change("FIELD_SAME_TYPE", ["FILE", "PACKAGE"])

test_wire_json_change_is_denied_at_default_strictness if {
	some result in breaking_change.deny_breaking_change with input as _doc([_wire_json_change])
	result.rule == "protocol.breaking_change"
	result._loc == {"file": "api/v1/user.proto", "line": 12}
	contains(result.msg, "FIELD_WIRE_JSON_COMPATIBLE_TYPE")
}

test_file_category_change_passes_at_default_strictness if {
	count(breaking_change.deny_breaking_change) == 0 with input as _doc([_file_only_change])
}

test_strictness_file_denies_file_category_change if {
	count(breaking_change.deny_breaking_change) == 1 with input as _doc([_file_only_change])
		with data.sentinel.params.protocol.strictness as "FILE"
}

test_strictness_wire_passes_wire_json_only_change if {
	count(breaking_change.deny_breaking_change) == 0 with input as _doc([_wire_json_change])
		with data.sentinel.params.protocol.strictness as "WIRE"
}

test_allowlisted_change_with_reason_passes if {
	allowed := [{"rule": "FIELD_WIRE_JSON_COMPATIBLE_TYPE", "element": "acme.v1.User.name", "reason": "no JSON clients yet"}]
	count(breaking_change.deny_breaking_change) == 0 with input as _doc([_wire_json_change])
		with data.sentinel.params.protocol.allowed_breaking as allowed
}

test_allowlist_entry_without_reason_does_not_apply if {
	allowed := [{"rule": "FIELD_WIRE_JSON_COMPATIBLE_TYPE", "element": "acme.v1.User.name", "reason": ""}]
	count(breaking_change.deny_breaking_change) == 1 with input as _doc([_wire_json_change])
		with data.sentinel.params.protocol.allowed_breaking as allowed
}

test_allowlist_entry_for_other_element_does_not_apply if {
	allowed := [{"rule": "*", "element": "acme.v1.User.email", "reason": "migrated"}]
	count(breaking_change.deny_breaking_change) == 1 with input as _doc([_wire_json_change])
		with data.sentinel.params.protocol.allowed_breaking as allowed
}

test_field_deletion_unless_reserved_is_left_to_the_reserve_rule if {
	change := _change("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", ["WIRE_JSON", "WIRE"])
	count(breaking_change.deny_breaking_change) == 0 with input as _doc([change])
}

test_other_input_kinds_are_ignored if {
	count(breaking_change.deny_breaking_change) == 0 with input as object.union(_doc([_wire_json_change]), {"kind": "files"})
}

test_path_exception_silences_the_finding if {
	exceptions := [{"rule": "protocol.breaking_change", "paths": ["api/v1/**"], "reason": "v1 is frozen", "expires": "2099-01-01"}]
	count(breaking_change.deny_breaking_change) == 0 with input as _doc([_wire_json_change])
		with data.sentinel.exceptions as exceptions
		with time.now_ns as 0
}

test_rule_exception_becomes_a_conftest_exception if {
	exceptions := [{"rule": "protocol.breaking_change", "reason": "migration week", "expires": "2099-01-01"}]
	["breaking_change"] in breaking_change.exception with input as _doc([_wire_json_change])
		with data.sentinel.exceptions as exceptions
		with time.now_ns as 0
}
