package sentinel.protocol.new_required_field

import data.sentinel.lib

_required_field_meta := {"rule": "protocol.new_required_field"}

# Fields added to messages that exist at the base revision.
_new_required contains {"element": a.element, "file": a.file, "line": a.line} if {
	input.kind == "proto"
	some a in input.additions
	a.kind == "field"
	a.label == "required"
}

# Required fields of messages that are new at this revision.
_new_required contains {"element": f.full_name, "file": f.file, "line": f.line} if {
	input.kind == "proto"
	new_messages := {a.element | some a in input.additions; a.kind == "message"}
	some file in input.files
	some m in file.messages
	m.full_name in new_messages
	some f in m.fields
	f.label == "required"
}

# METADATA
# title: No new required fields
# description: >-
#   A field declared `required` (proto2, or editions LEGACY_REQUIRED) can never be removed or
#   made optional without breaking old readers. Reports required fields added at this revision,
#   in existing messages and in new ones (needs a base revision).
# custom:
#   id: protocol.new_required_field
#   severity: high
#   input: proto
#   data: []
#   fix: >-
#     Declare the field optional (or implicit) and validate its presence in code; required can
#     never be removed safely.
deny_new_required_field contains lib.finding(_required_field_meta, msg, item.file, item.line) if {
	input.kind == "proto"
	some item in _new_required
	not lib.excepted("protocol.new_required_field", item.file)
	msg := sprintf(
		"new field %s is declared required; required fields can never be removed safely. Make it optional and validate its presence in code.",
		[item.element],
	)
}

exception contains ["new_required_field"] if {
	input.kind == "proto"
	"new_required_field" in lib.excepted_rules("protocol")
}
