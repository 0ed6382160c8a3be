package sentinel.protocol.field_removed_without_reserve_test

import data.sentinel.protocol.field_removed_without_reserve as rule

_deleted(number_reserved, name_reserved) := {
	"message": "acme.v1.User",
	"name": "nickname",
	"number": 4,
	"file": "api/user.proto",
	"line": 3,
	"base_file": "api/user.proto",
	"base_line": 14,
	"number_reserved": number_reserved,
	"name_reserved": name_reserved,
}

_doc(deleted) := {"kind": "proto", "deleted_fields": [deleted]}

test_field_removed_without_reservations_is_denied if {
	findings := rule.deny_field_removed_without_reserve with input as _doc(_deleted(false, false))
	count(findings) == 1
	some f in findings
	f.rule == "protocol.field_removed_without_reserve"
	f._loc == {"file": "api/user.proto", "line": 3}
	contains(f.msg, `reserved 4; reserved "nickname";`)
}

test_field_removed_with_number_and_name_reserved_passes if {
	count(rule.deny_field_removed_without_reserve) == 0 with input as _doc(_deleted(true, true))
}

test_field_removed_with_only_its_number_reserved_is_denied_for_the_name if {
	findings := rule.deny_field_removed_without_reserve with input as _doc(_deleted(true, false))
	some f in findings
	contains(f.msg, "without reserving its name")
	not contains(f.msg, "reserved 4;")
}
