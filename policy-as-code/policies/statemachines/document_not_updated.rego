package sentinel.statemachines.document_not_updated

import data.sentinel.lib

_meta := {"rule": "statemachines.document_not_updated"}

_shown(files) := concat(", ", array.slice(files, 0, 5)) if count(files) <= 5

_shown(files) := sprintf("%s and %d more", [concat(", ", array.slice(files, 0, 5)), count(files) - 5]) if count(files) > 5

# METADATA
# title: Covered code changes with its state-machine document
# description: >-
#   When a change (against a base revision) touches files a state-machine document covers but not
#   the document itself, the document may no longer describe the code. Reads each machine's
#   covered_changed (covered files changed since the base) and document_changed; without a base
#   revision the extractor leaves them out and the rule stays silent.
# custom:
#   id: statemachines.document_not_updated
#   severity: medium
#   input: statemachines
#   data: []
#   fix: >-
#     Update the state-machine document in the same change (states, transitions, events), or
#     confirm it still holds by touching its revision note.
deny_document_not_updated contains lib.finding(_meta, msg, m.file, m.line) if {
	input.kind == "statemachines"
	some m in input.machines
	m.document_changed == false
	count(m.covered_changed) > 0
	not lib.excepted("statemachines.document_not_updated", m.file)
	msg := sprintf(
		"code covered by state machine %s changed (%s) but the document did not. Update its states and transitions in the same change.",
		[m.name, _shown(sort(m.covered_changed))],
	)
}

exception contains ["document_not_updated"] if {
	input.kind == "statemachines"
	"document_not_updated" in lib.excepted_rules("statemachines")
}
