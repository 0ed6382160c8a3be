package sentinel.technical_debt.expired_debt_test

import data.sentinel.technical_debt.expired_debt as rule
import data.sentinel.technical_debt.fixtures_test as fx

# 2026-04-01T00:00:00Z
_after := 1775001600000000000

# 2026-02-01T00:00:00Z
_before := 1769904000000000000

_findings(items, now) := f if {
	f := rule.deny_expired_debt with input as fx.registry(items)
		with time.now_ns as now
		with data.sentinel.params.technical_debt.closed_statuses as ["closed", "done"]
}

test_open_item_past_its_ttl_is_denied if {
	findings := _findings([fx.item({})], _after)
	count(findings) == 1
	some f in findings
	f.rule == "technical_debt.expired_debt"
	contains(f.msg, "expired on 2026-03-01")
}

test_item_within_its_ttl_passes if {
	count(_findings([fx.item({})], _before)) == 0
}

test_closed_item_passes if {
	count(_findings([fx.item({"status": "Done"})], _after)) == 0
}

test_closed_statuses_in_data_decide_what_is_closed if {
	items := [fx.item({"status": "wontfix"})]
	count(_findings(items, _after)) == 1
	count(rule.deny_expired_debt) == 0 with input as fx.registry(items)
		with time.now_ns as _after
		with data.sentinel.params.technical_debt.closed_statuses as ["wontfix"]
}

test_the_extractors_fixed_day_wins_over_the_clock if {
	count(_findings([fx.item({"expired": false})], _after)) == 0
	count(_findings([fx.item({"expired": true})], _before)) == 1
}
