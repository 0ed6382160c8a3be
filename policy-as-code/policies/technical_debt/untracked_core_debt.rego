package sentinel.technical_debt.untracked_core_debt

import data.sentinel.lib

_meta := {"rule": "technical_debt.untracked_core_debt"}

_core_paths := object.get(lib.params("core"), "paths", [])

_pattern := lib.param("technical_debt", "registry_ticket_pattern", `^TD-[0-9]+$`)

# METADATA
# title: Debt in core paths is tracked in the registry
# description: >-
#   In core paths (data.sentinel.params.core.paths) a debt marker must reference a registry item
#   (a ticket matching registry_ticket_pattern), not just any issue: core debt gets a severity,
#   an owner and a TTL. Markers without any ticket are reported by marker_without_ticket.
# custom:
#   id: technical_debt.untracked_core_debt
#   severity: high
#   input: todos
#   data:
#     - sentinel.params.core.paths
#     - sentinel.params.technical_debt.registry_ticket_pattern
#   requires:
#     - sentinel.params.core.paths
#   fix: >-
#     Track the debt in the technical-debt registry (an item with severity, owner and TTL) and
#     reference its id in the comment.
deny_untracked_core_debt contains lib.finding(_meta, msg, t.file, t.line) if {
	input.kind == "todos"
	some t in input.todos
	is_string(t.ticket)
	not regex.match(_pattern, t.ticket)
	lib.path_in(t.file, _core_paths)
	not lib.excepted("technical_debt.untracked_core_debt", t.file)
	msg := sprintf(
		"%s in a core path references %s, not a registry item. Track core debt in the registry (severity, owner, TTL) and reference its id.",
		[t.marker, t.ticket],
	)
}

exception contains ["untracked_core_debt"] if {
	input.kind == "todos"
	"untracked_core_debt" in lib.excepted_rules("technical_debt")
}
