package sentinel.technical_debt.expired_debt

import data.sentinel.lib

_meta := {"rule": "technical_debt.expired_debt"}

_closed := {lower(s) | some s in lib.param("technical_debt", "closed_statuses", ["closed", "done", "resolved"])}

_open(item) if not is_string(item.status)

_open(item) if {
	is_string(item.status)
	not lower(item.status) in _closed
}

# The extractor decides when it was given a fixed day (option today); else the policy's clock.
_expired(item) if item.expired == true

_expired(item) if {
	not is_boolean(item.expired)
	lib.expired(item.expires)
}

# METADATA
# title: No expired debt
# description: >-
#   An open registry item (status not in closed_statuses) whose TTL has run out (created + ttl,
#   or its expires date, is in the past) is denied.
# custom:
#   id: technical_debt.expired_debt
#   severity: high
#   input: techdebt
#   data:
#     - sentinel.params.technical_debt.closed_statuses
#   fix: >-
#     Pay the debt and close the item, or agree a new TTL with its owner and update the item.
deny_expired_debt contains lib.finding(_meta, msg, item.file, item.line) if {
	input.kind == "techdebt"
	some item in input.items
	_open(item)
	_expired(item)
	not lib.excepted("technical_debt.expired_debt", item.file)
	msg := sprintf(
		"debt item %s (owner %v, severity %v) expired on %s. Pay it and close the item, or renew its TTL with the owner.",
		[item.id, item.owner, item.severity, item.expires],
	)
}

exception contains ["expired_debt"] if {
	input.kind == "techdebt"
	"expired_debt" in lib.excepted_rules("technical_debt")
}
