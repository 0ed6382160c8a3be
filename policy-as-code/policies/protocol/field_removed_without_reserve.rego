package sentinel.protocol.field_removed_without_reserve

import data.sentinel.lib

_reserved_meta := {"rule": "protocol.field_removed_without_reserve"}

_missing_reservations(deleted) := [what |
	some what in ["number", "name"]
	not deleted[concat("_", [what, "reserved"])]
]

_reserve_statement(deleted, missing) := concat(" ", [s |
	some what in missing
	s := {"number": sprintf("reserved %d;", [deleted.number]), "name": sprintf("reserved \"%s\";", [deleted.name])}[what]
])

# METADATA
# title: Deleted fields reserve their number and name
# description: >-
#   Removing a field without reserving its number lets a later field reuse it and old data be
#   read as the new field; without reserving its name, JSON readers break the same way. Reports
#   every field deleted since the base revision whose number or name is not reserved.
# custom:
#   id: protocol.field_removed_without_reserve
#   severity: high
#   input: proto
#   data: []
#   fix: >-
#     Add `reserved <number>;` and `reserved "<name>";` to the message so neither can be reused.
deny_field_removed_without_reserve contains lib.finding(_reserved_meta, msg, deleted.file, deleted.line) if {
	input.kind == "proto"
	some deleted in input.deleted_fields
	missing := _missing_reservations(deleted)
	count(missing) > 0
	not lib.excepted("protocol.field_removed_without_reserve", deleted.file)
	msg := sprintf(
		"field %s.%s (number %d) was removed without reserving its %s. Add to message %s: %s",
		[deleted.message, deleted.name, deleted.number, concat(" and ", missing), deleted.message, _reserve_statement(deleted, missing)],
	)
}

exception contains ["field_removed_without_reserve"] if {
	input.kind == "proto"
	"field_removed_without_reserve" in lib.excepted_rules("protocol")
}
