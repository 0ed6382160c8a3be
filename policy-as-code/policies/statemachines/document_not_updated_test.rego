package sentinel.statemachines.document_not_updated_test

import data.sentinel.statemachines.document_not_updated as rule

_machine(document_changed, covered_changed) := {
	"file": "state_machines/order.md",
	"line": 1,
	"name": "order",
	"covered_files": ["app/orders/state.py", "app/orders/api.py"],
	"document_changed": document_changed,
	"covered_changed": covered_changed,
}

_doc(m) := {"kind": "statemachines", "machines": [m]}

test_covered_code_changed_without_the_document_is_denied if {
	findings := rule.deny_document_not_updated with input as _doc(_machine(false, ["app/orders/state.py"]))
	count(findings) == 1
	some f in findings
	f.rule == "statemachines.document_not_updated"
	f._loc == {"file": "state_machines/order.md", "line": 1}
	contains(f.msg, "app/orders/state.py")
}

test_covered_code_changed_with_the_document_passes if {
	count(rule.deny_document_not_updated) == 0 with input as _doc(_machine(true, ["app/orders/state.py"]))
}

test_no_covered_change_passes if {
	count(rule.deny_document_not_updated) == 0 with input as _doc(_machine(false, []))
}

test_without_change_information_the_rule_is_silent if {
	count(rule.deny_document_not_updated) == 0 with input as _doc(object.remove(_machine(false, ["x"]), ["document_changed", "covered_changed"]))
}
