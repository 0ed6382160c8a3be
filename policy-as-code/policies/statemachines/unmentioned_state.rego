package sentinel.statemachines.unmentioned_state

import data.sentinel.lib

_meta := {"rule": "statemachines.unmentioned_state"}

# Where the document names it: its state entry, else the first transition naming it, else the
# TLA+ definition, else the document's first line.
_line(m, name) := line if {
	lines := array.concat(
		array.concat([s.line | some s in m.states; s.name == name], [t.line | some t in m.transitions; name in {t.from, t.to, t.event}]),
		[a.line | some a in object.get(m, "actions", []); a.name == name],
	)
	count(lines) > 0
	line := min(lines)
}

_line(m, name) := m.line if {
	not _named(m, name)
}

_named(m, name) if {
	some s in m.states
	s.name == name
}

_named(m, name) if {
	some t in m.transitions
	name in {t.from, t.to, t.event}
}

_named(m, name) if {
	some a in object.get(m, "actions", [])
	a.name == name
}

# METADATA
# title: Documented states appear in the code
# description: >-
#   Warns about each state, transition event or TLA+ action a document lists that none of the
#   files it covers names (as a whole word). Only where the extractor could tell: the document
#   covers files and they could be read (checked is true).
# custom:
#   id: statemachines.unmentioned_state
#   severity: low
#   input: statemachines
#   data: []
#   fix: >-
#     Remove the state or transition from the document if the code no longer has it, or fix its
#     name to the one the code uses.
warn_unmentioned_state contains lib.finding(_meta, msg, m.file, _line(m, x.name)) if {
	input.kind == "statemachines"
	some m in input.machines
	some x in m.mentions
	x.checked
	not x.mentioned
	not lib.excepted("statemachines.unmentioned_state", m.file)
	msg := sprintf(
		"%s %s of state machine %s is not named in the code it covers (%d files). Remove it from the document or use the name the code uses.",
		[x.kind, x.name, m.name, count(m.covered_files)],
	)
}

exception contains ["unmentioned_state"] if {
	input.kind == "statemachines"
	"unmentioned_state" in lib.excepted_rules("statemachines")
}
