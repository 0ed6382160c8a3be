package sentinel.technical_debt.marker_without_ticket

import data.sentinel.lib

_meta := {"rule": "technical_debt.marker_without_ticket"}

_has_ticket(t) if {
	is_string(t.ticket)
	t.ticket != ""
}

# METADATA
# title: Debt markers name a ticket
# description: >-
#   Every work-left-undone marker the todos extractor finds in a comment (its markers option, the
#   four usual upper-case words by default) must carry a ticket id matching its ticket_patterns,
#   so the debt is tracked somewhere.
# custom:
#   id: technical_debt.marker_without_ticket
#   severity: medium
#   input: todos
#   data: []
#   fix: >-
#     Open a ticket (or a registry item) and put its id in the comment, or do the work and delete
#     the marker.
deny_marker_without_ticket contains lib.finding(_meta, msg, t.file, t.line) if {
	input.kind == "todos"
	some t in input.todos
	not _has_ticket(t)
	not lib.excepted("technical_debt.marker_without_ticket", t.file)
	msg := sprintf(
		"%s marker without a ticket id (%q). Add the ticket (e.g. TD-123) to the comment, or do the work and remove the marker.",
		[t.marker, t.text],
	)
}

exception contains ["marker_without_ticket"] if {
	input.kind == "todos"
	"marker_without_ticket" in lib.excepted_rules("technical_debt")
}
