package sentinel.protocol.deprecated_field_without_removal_test

import data.sentinel.protocol.deprecated_field_without_removal as rule

_field(extra) := object.union({
	"name": "nickname",
	"full_name": "acme.v1.User.nickname",
	"number": 4,
	"deprecated": true,
	"options": {"deprecated": true},
	"file": "api/user.proto",
	"line": 12,
}, extra)

_doc(field) := {"kind": "proto", "files": [{"file": "api/user.proto", "messages": [{"full_name": "acme.v1.User", "fields": [field]}]}]}

_warnings(doc) := w if {
	w := rule.warn_deprecated_field_without_removal with input as doc
		with data.sentinel.params.protocol.deprecations as {}
		with data.sentinel.params.protocol.removal_options as []
}

test_deprecated_field_without_removal_version_warns if {
	warnings := _warnings(_doc(_field({})))
	count(warnings) == 1
	some w in warnings
	w.rule == "protocol.deprecated_field_without_removal"
	w._loc == {"file": "api/user.proto", "line": 12}
}

test_field_that_is_not_deprecated_passes if {
	count(_warnings(_doc(_field({"deprecated": false})))) == 0
}

test_removal_version_in_data_silences_the_warning if {
	count(rule.warn_deprecated_field_without_removal) == 0 with input as _doc(_field({}))
		with data.sentinel.params.protocol.deprecations as {"acme.v1.User.nickname": "v3"}
}

test_removal_option_named_in_data_silences_the_warning if {
	field := _field({"options": {"deprecated": true, "[acme.removal]": "v3"}})
	count(_warnings(_doc(field))) == 1
	count(rule.warn_deprecated_field_without_removal) == 0 with input as _doc(field)
		with data.sentinel.params.protocol.removal_options as ["[acme.removal]"]
}

test_removal_version_in_the_comment_silences_the_warning if {
	count(_warnings(_doc(_field({"comment": "Deprecated: removed in v3.0."})))) == 0
	count(_warnings(_doc(_field({"comment": "Deprecated, use name."})))) == 1
}

test_removal_pattern_in_data_decides_what_a_comment_must_say if {
	field := _field({"comment": "Sunset 2027-06"})
	count(_warnings(_doc(field))) == 1
	count(rule.warn_deprecated_field_without_removal) == 0 with input as _doc(field)
		with data.sentinel.params.protocol.removal_pattern as `Sunset [0-9]{4}`
}
