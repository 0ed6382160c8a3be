# Builders of small todos and techdebt documents. Marker words are built from pieces so that
# this file does not carry the markers it describes.
package sentinel.technical_debt.fixtures_test

marker := concat("", ["TO", "DO"])

todo(file, ticket) := {
	"marker": marker,
	"text": "handle refunds",
	"author": null,
	"ticket": ticket,
	"file": file,
	"line": 17,
	"language": "python",
}

todos(items, ids) := {"kind": "todos", "todos": items, "registry": {"ids": ids}}

item(extra) := object.union({
	"file": "technical_debt/TD-7.md",
	"line": 1,
	"id": "TD-7",
	"severity": "high",
	"owner": "team-orders",
	"status": "open",
	"ttl": "90d",
	"expires": "2026-03-01",
	"fields": {},
	"errors": [],
}, extra)

registry(items) := {"kind": "techdebt", "items": items}
