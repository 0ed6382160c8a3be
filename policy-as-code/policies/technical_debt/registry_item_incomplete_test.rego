package sentinel.technical_debt.registry_item_incomplete_test

import data.sentinel.technical_debt.fixtures_test as fx
import data.sentinel.technical_debt.registry_item_incomplete as rule

test_item_missing_owner_and_ttl_is_denied if {
	doc := fx.registry([fx.item({"owner": null, "errors": ["missing owner", "missing ttl or expires"]})])
	findings := rule.deny_registry_item_incomplete with input as doc
	count(findings) == 1
	some f in findings
	f.rule == "technical_debt.registry_item_incomplete"
	f._loc == {"file": "technical_debt/TD-7.md", "line": 1}
	contains(f.msg, "missing owner; missing ttl or expires")
}

test_complete_item_passes if {
	count(rule.deny_registry_item_incomplete) == 0 with input as fx.registry([fx.item({})])
}
