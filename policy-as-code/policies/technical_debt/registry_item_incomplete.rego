package sentinel.technical_debt.registry_item_incomplete

import data.sentinel.lib

_meta := {"rule": "technical_debt.registry_item_incomplete"}

# METADATA
# title: Registry items are complete
# description: >-
#   Every item of the technical-debt registry needs an id, a known severity, an owner and a TTL
#   (ttl, or an expires date), with valid dates and a unique id. The techdebt extractor lists what
#   is missing or wrong under each item's errors.
# custom:
#   id: technical_debt.registry_item_incomplete
#   severity: medium
#   input: techdebt
#   data: []
#   fix: >-
#     Give the item an id, a severity from the list, an owner and a ttl (or expires) in its front
#     matter.
deny_registry_item_incomplete contains lib.finding(_meta, msg, item.file, item.line) if {
	input.kind == "techdebt"
	some item in input.items
	count(item.errors) > 0
	not lib.excepted("technical_debt.registry_item_incomplete", item.file)
	msg := sprintf(
		"registry item %v is incomplete: %s. Fix its front matter.",
		[object.get(item, "id", null), concat("; ", item.errors)],
	)
}

exception contains ["registry_item_incomplete"] if {
	input.kind == "techdebt"
	"registry_item_incomplete" in lib.excepted_rules("technical_debt")
}
