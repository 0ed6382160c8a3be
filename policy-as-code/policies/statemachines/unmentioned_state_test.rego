package sentinel.statemachines.unmentioned_state_test

import data.sentinel.statemachines.unmentioned_state as rule

_machine(mentions) := {
	"file": "state_machines/order.md",
	"line": 1,
	"name": "order",
	"covered_files": ["app/orders/state.py"],
	"states": [{"name": "Pending", "line": 5, "source": "front_matter", "label": null}, {"name": "Refunded", "line": 7, "source": "front_matter", "label": null}],
	"transitions": [{"from": "Pending", "to": "Refunded", "event": "refund", "line": 9, "source": "front_matter"}],
	"actions": [],
	"mentions": mentions,
}

_doc(mentions) := {"kind": "statemachines", "machines": [_machine(mentions)]}

test_state_the_code_never_names_warns_at_its_line if {
	warnings := rule.warn_unmentioned_state with input as _doc([{"name": "Refunded", "kind": "state", "mentioned": false, "files": [], "checked": true}])
	count(warnings) == 1
	some w in warnings
	w.rule == "statemachines.unmentioned_state"
	w._loc == {"file": "state_machines/order.md", "line": 7}
	contains(w.msg, "state Refunded")
}

test_transition_event_the_code_never_names_warns_at_the_transition if {
	warnings := rule.warn_unmentioned_state with input as _doc([{"name": "refund", "kind": "event", "mentioned": false, "files": [], "checked": true}])
	some w in warnings
	w._loc.line == 9
}

test_mentioned_state_passes if {
	count(rule.warn_unmentioned_state) == 0 with input as _doc([{"name": "Pending", "kind": "state", "mentioned": true, "files": ["app/orders/state.py"], "checked": true}])
}

test_unchecked_state_is_left_out if {
	count(rule.warn_unmentioned_state) == 0 with input as _doc([{"name": "Refunded", "kind": "state", "mentioned": false, "files": [], "checked": false}])
}
