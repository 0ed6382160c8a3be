package sentinel.technical_debt.untracked_core_debt_test

import data.sentinel.technical_debt.fixtures_test as fx
import data.sentinel.technical_debt.untracked_core_debt as rule

_findings(doc) := f if {
	f := rule.deny_untracked_core_debt with input as doc
		with data.sentinel.params.core.paths as ["app/core/**"]
		with data.sentinel.params.technical_debt.registry_ticket_pattern as `^TD-[0-9]+$`
}

test_core_debt_tracked_outside_the_registry_is_denied if {
	findings := _findings(fx.todos([fx.todo("app/core/ledger.py", "#42")], []))
	count(findings) == 1
	some f in findings
	f.rule == "technical_debt.untracked_core_debt"
	f._loc == {"file": "app/core/ledger.py", "line": 17}
}

test_core_debt_with_a_registry_id_passes if {
	count(_findings(fx.todos([fx.todo("app/core/ledger.py", "TD-7")], ["TD-7"]))) == 0
}

test_debt_outside_core_paths_may_use_any_ticket if {
	count(_findings(fx.todos([fx.todo("app/web/page.py", "#42")], []))) == 0
}

test_core_paths_in_data_decide_where_registry_tracking_is_required if {
	doc := fx.todos([fx.todo("app/web/page.py", "#42")], [])
	count(rule.deny_untracked_core_debt) == 1 with input as doc
		with data.sentinel.params.core.paths as ["app/**"]
}
