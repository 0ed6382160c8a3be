package sentinel.architecture.layers

import data.sentinel.imports
import data.sentinel.lib

_layers_meta := {
	"rule": "architecture.layers",
	"category": "architecture",
	"severity": "high",
	"fix": "Lower layers must not import higher ones: move the code down a layer, or invert the dependency (pass data or a callback in).",
}

_containers(contract) := contract.containers if count(object.get(contract, "containers", [])) > 0

_containers(contract) := [""] if count(object.get(contract, "containers", [])) == 0

_in_container(name, container) := name if container == ""

_in_container(name, container) := concat(".", [container, name]) if container != ""

# A layer is "a", "a | b" (independent members), "a : b" (members that may import each other)
# or a list of modules (independent).
_layer_entry_members(entry, container) := [_in_container(trim_space(p), container) | some p in regex.split(`[|:]`, entry)] if is_string(entry)

_layer_entry_members(entry, container) := [_in_container(p, container) | some p in entry] if is_array(entry)

_layer_entry_independent(entry) := contains(entry, "|") if is_string(entry)

_layer_entry_independent(entry) := true if is_array(entry)

_layers_specs contains spec if {
	input.kind == "imports"
	some index, contract in lib.param("architecture", "layers", [])
	some container in _containers(contract)
	spec := {
		"name": imports.contract_name(contract, "layers", index),
		"kind": "layers",
		"layers": [_layer_entry_members(entry, container) | some entry in contract.layers],
		"independent": [_layer_entry_independent(entry) | some entry in contract.layers],
		"indirect": object.get(contract, "indirect", true),
		"ignore_imports": object.get(contract, "ignore_imports", []),
	}
}

# METADATA
# title: Layers
# description: >-
#   import-linter's layers contract. Each contract lists layers from highest to lowest; a higher
#   layer may import a lower one, never the reverse. "a | b" makes a layer of independent
#   members, "a : b" one whose members may import each other; containers repeat the contract
#   inside each listed package. Indirect imports through modules outside the layers count too
#   unless indirect is false.
# custom:
#   id: architecture.layers
#   severity: high
#   input: imports
#   data:
#     - sentinel.params.architecture.layers
#   requires:
#     - sentinel.params.architecture.layers
#   fix: Move the code to a lower layer or invert the dependency.
deny_layers contains lib.finding(_layers_meta, imports.layer_message(hit), hit.site.file, hit.site.line) if {
	some spec in _layers_specs
	some hit in imports.layer_violations(spec)
	not lib.excepted("architecture.layers", hit.site.file)
}

exception contains ["layers"] if {
	input.kind == "imports"
	"layers" in lib.excepted_rules("architecture")
}
