package sentinel.protocol.new_required_field_test

import data.sentinel.protocol.new_required_field as rule

_field(name, label) := {"name": name, "full_name": concat(".", ["acme.v1.User", name]), "number": 3, "label": label, "file": "api/user.proto", "line": 9}

_doc(additions, messages) := {
	"kind": "proto",
	"compared": true,
	"changes": [],
	"deleted_fields": [],
	"additions": additions,
	"files": [{"file": "api/user.proto", "messages": messages}],
}

_added_field(label) := {"kind": "field", "element": "acme.v1.User.email", "file": "api/user.proto", "line": 9, "name": "email", "number": 3, "label": label, "required": label == "required"}

test_new_required_field_in_existing_message_is_denied if {
	findings := rule.deny_new_required_field with input as _doc([_added_field("required")], [])
	count(findings) == 1
	some f in findings
	f.rule == "protocol.new_required_field"
	f._loc == {"file": "api/user.proto", "line": 9}
	contains(f.msg, "acme.v1.User.email")
}

test_new_optional_field_passes if {
	count(rule.deny_new_required_field) == 0 with input as _doc([_added_field("optional")], [])
}

test_required_field_of_a_new_message_is_denied if {
	message := {"full_name": "acme.v1.Order", "fields": [object.union(_field("id", "required"), {"full_name": "acme.v1.Order.id"})]}
	addition := {"kind": "message", "element": "acme.v1.Order", "file": "api/user.proto", "line": 5}
	findings := rule.deny_new_required_field with input as _doc([addition], [message])
	count(findings) == 1
	some f in findings
	contains(f.msg, "acme.v1.Order.id")
}

test_required_field_of_an_existing_message_passes if {
	message := {"full_name": "acme.v1.User", "fields": [_field("id", "required")]}
	count(rule.deny_new_required_field) == 0 with input as _doc([], [message])
}
