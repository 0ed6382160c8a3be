package sentinel.technical_debt.unknown_ticket_test

import data.sentinel.technical_debt.fixtures_test as fx
import data.sentinel.technical_debt.unknown_ticket as rule

test_registry_ticket_missing_from_the_registry_is_denied if {
	findings := rule.deny_unknown_ticket with input as fx.todos([fx.todo("app/orders.py", "TD-9")], ["TD-7"])
	count(findings) == 1
	some f in findings
	f.rule == "technical_debt.unknown_ticket"
	contains(f.msg, "TD-9")
}

test_registry_ticket_in_the_registry_passes if {
	count(rule.deny_unknown_ticket) == 0 with input as fx.todos([fx.todo("app/orders.py", "TD-7")], ["TD-7"])
}

test_other_tickets_are_not_registry_tickets if {
	count(rule.deny_unknown_ticket) == 0 with input as fx.todos([fx.todo("app/orders.py", "#42")], ["TD-7"])
}

test_registry_ticket_pattern_in_data_decides_what_must_be_registered if {
	doc := fx.todos([fx.todo("app/orders.py", "DEBT-3")], ["TD-7"])
	count(rule.deny_unknown_ticket) == 0 with input as doc
		with data.sentinel.params.technical_debt.registry_ticket_pattern as `^TD-[0-9]+$`
	count(rule.deny_unknown_ticket) == 1 with input as doc
		with data.sentinel.params.technical_debt.registry_ticket_pattern as `^DEBT-[0-9]+$`
}

test_without_the_registry_ids_the_rule_is_silent if {
	count(rule.deny_unknown_ticket) == 0 with input as {"kind": "todos", "todos": [fx.todo("app/orders.py", "TD-9")]}
}
