package sentinel.protocol.deprecated_field_without_removal

import data.sentinel.lib

_deprecated_field_meta := {"rule": "protocol.deprecated_field_without_removal"}

_removal_pattern := lib.param("protocol", "removal_pattern", `(?i)\bremov(e|ed|al)\b.*\bv?[0-9]+(\.[0-9]+)*`)

# A removal version recorded in data (full field name -> version).
_has_removal_version(field) if {
	version := lib.param("protocol", "deprecations", {})[field.full_name]
	is_string(version)
	version != ""
}

# A removal version set as one of the configured field options.
_has_removal_version(field) if {
	some key in lib.param("protocol", "removal_options", [])
	value := field.options[key]
	value != ""
}

# A removal version written in the field's comment (when the extractor provides one).
_has_removal_version(field) if {
	is_string(field.comment)
	regex.match(_removal_pattern, field.comment)
}

# METADATA
# title: Deprecated fields say when they go away
# description: >-
#   A field marked `deprecated = true` needs a removal version, so readers know how long to keep
#   handling it. The version can come from data (deprecations: field full name to version), from
#   one of the configured field options (removal_options) or from the field's comment when it
#   matches removal_pattern.
# custom:
#   id: protocol.deprecated_field_without_removal
#   severity: low
#   input: proto
#   data:
#     - sentinel.params.protocol.deprecations
#     - sentinel.params.protocol.removal_options
#     - sentinel.params.protocol.removal_pattern
#   fix: >-
#     Record when the field goes away: add it to data.sentinel.params.protocol.deprecations, set a
#     removal option, or write it in the field's comment.
warn_deprecated_field_without_removal contains lib.finding(_deprecated_field_meta, msg, field.file, field.line) if {
	input.kind == "proto"
	some file in input.files
	some message in file.messages
	some field in message.fields
	field.deprecated == true
	not _has_removal_version(field)
	not lib.excepted("protocol.deprecated_field_without_removal", field.file)
	msg := sprintf(
		"deprecated field %s has no removal version. Add \"%s: <version>\" under data.sentinel.params.protocol.deprecations (or a removal option or comment).",
		[field.full_name, field.full_name],
	)
}

exception contains ["deprecated_field_without_removal"] if {
	input.kind == "proto"
	"deprecated_field_without_removal" in lib.excepted_rules("protocol")
}
