package sentinel.technical_debt.marker_without_ticket_test

import data.sentinel.technical_debt.fixtures_test as fx
import data.sentinel.technical_debt.marker_without_ticket as rule

test_marker_without_ticket_is_denied if {
	findings := rule.deny_marker_without_ticket with input as fx.todos([fx.todo("app/orders.py", null)], [])
	count(findings) == 1
	some f in findings
	f.rule == "technical_debt.marker_without_ticket"
	f._loc == {"file": "app/orders.py", "line": 17}
}

test_marker_with_ticket_passes if {
	count(rule.deny_marker_without_ticket) == 0 with input as fx.todos([fx.todo("app/orders.py", "#42")], [])
}
