package sentinel.technical_debt.unknown_ticket

import data.sentinel.lib

_meta := {"rule": "technical_debt.unknown_ticket"}

_pattern := lib.param("technical_debt", "registry_ticket_pattern", `^TD-[0-9]+$`)

# METADATA
# title: Registry tickets exist
# description: >-
#   A marker whose ticket looks like a registry id (registry_ticket_pattern) must name an item of
#   the technical-debt registry. The todos document lists the registry's ids under registry.ids;
#   without that list the rule cannot tell and stays silent.
# custom:
#   id: technical_debt.unknown_ticket
#   severity: medium
#   input: todos
#   data:
#     - sentinel.params.technical_debt.registry_ticket_pattern
#   fix: >-
#     Add the item to the technical-debt registry, or correct the id in the comment.
deny_unknown_ticket contains lib.finding(_meta, msg, t.file, t.line) if {
	input.kind == "todos"
	is_array(input.registry.ids)
	known := {id | some id in input.registry.ids}
	some t in input.todos
	is_string(t.ticket)
	regex.match(_pattern, t.ticket)
	not t.ticket in known
	not lib.excepted("technical_debt.unknown_ticket", t.file)
	msg := sprintf(
		"%s names ticket %s, which is not in the technical-debt registry. Add the item to the registry or correct the id.",
		[t.marker, t.ticket],
	)
}

exception contains ["unknown_ticket"] if {
	input.kind == "todos"
	"unknown_ticket" in lib.excepted_rules("technical_debt")
}
