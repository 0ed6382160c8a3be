package sentinel.architecture.layers

import data.sentinel.imports
import data.sentinel.lib

_layers_meta := {"rule": "architecture.layers"}

_layers_contracts := lib.param("architecture", "layers", [])

_layers_specs contains spec if {
	input.kind == "imports"
	some index, contract in _layers_contracts
	some container in imports.layer_containers(contract)
	spec := {
		"name": imports.contract_name(contract, "layers", index),
		"kind": "layers",
		"layers": [[m.module | some m in imports.layer_members(entry, container)] | some entry in contract.layers],
		"independent": [imports.layer_entry_independent(entry) | some entry in contract.layers],
		"indirect": object.get(contract, "indirect", true),
		"ignore_imports": object.get(contract, "ignore_imports", []),
	}
}

# Exhaustive contracts: the children of each container that no layer lists (nor
# exhaustive_ignores).
_unlisted contains [name, container, sort(unlisted)] if {
	input.kind == "imports"
	some index, contract in _layers_contracts
	contract.exhaustive == true
	name := imports.contract_name(contract, "layers", index)
	some container in object.get(contract, "containers", [])
	prefix := concat("", [container, "."])
	children := {m |
		some m in imports.defined
		startswith(m, prefix)
		not contains(substring(m, count(prefix), -1), ".")
	}
	listed := {m.module | some entry in contract.layers; some m in imports.layer_members(entry, container)}
	ignored := {concat(".", [container, x]) | some x in object.get(contract, "exhaustive_ignores", [])}
	unlisted := children - listed - ignored
	count(unlisted) > 0
}

# METADATA
# title: Layers
# description: >-
#   import-linter's layers contract. Each contract lists layers from highest to lowest; a higher
#   layer may import a lower one, never the reverse. "a | b" makes a layer of independent
#   members, "a : b" one whose members may import each other, "(a)" a member that may be
#   absent; containers repeat the contract inside each listed package. Indirect imports through
#   modules outside the layers count too unless indirect is false. With exhaustive, every child
#   module of each container must be in a layer (or in exhaustive_ignores).
# custom:
#   id: architecture.layers
#   severity: high
#   input: imports
#   data:
#     - sentinel.params.architecture.layers
#   requires:
#     - sentinel.params.architecture.layers
#   fix: >-
#     Lower layers must not import higher ones: move the code down a layer, or invert the
#     dependency (pass data or a callback in).
deny_layers contains lib.finding(_layers_meta, imports.layer_message(hit), hit.site.file, hit.site.line) if {
	some spec in _layers_specs
	some hit in imports.layer_violations(spec)
	not lib.excepted("architecture.layers", hit.site.file)
}

deny_layers contains lib.finding_nowhere(_layers_meta, msg) if {
	some [name, container, unlisted] in _unlisted
	msg := sprintf(
		"layers contract %q is exhaustive, but %s in container %s %s in no layer. Add each to a layer, or to exhaustive_ignores.",
		[name, concat(", ", unlisted), container, _are(unlisted)],
	)
}

deny_layers contains lib.finding_nowhere(_layers_meta, msg) if {
	input.kind == "imports"
	some index, contract in _layers_contracts
	contract.exhaustive == true
	count(object.get(contract, "containers", [])) == 0
	msg := sprintf(
		"layers contract %q is exhaustive but has no containers; exhaustive checks the children of each container. Add containers, or drop exhaustive.",
		[imports.contract_name(contract, "layers", index)],
	)
}

_are(names) := "is" if count(names) == 1

_are(names) := "are" if count(names) != 1

exception contains ["layers"] if {
	input.kind == "imports"
	"layers" in lib.excepted_rules("architecture")
}
