package sentinel.architecture.independence

import data.sentinel.imports
import data.sentinel.lib

_independence_meta := {"rule": "architecture.independence"}

_independence_specs contains spec if {
	input.kind == "imports"
	some index, contract in lib.param("architecture", "independence", [])
	spec := {
		"name": imports.contract_name(contract, "independence", index),
		"kind": "independence",
		"layers": [contract.modules],
		"independent": [true],
		"indirect": object.get(contract, "indirect", true),
		"ignore_imports": object.get(contract, "ignore_imports", []),
	}
}

# METADATA
# title: Independence
# description: >-
#   import-linter's independence contract: none of the listed modules (packages include their
#   contents) may import another, directly or, unless indirect is false, through modules outside
#   the list.
# custom:
#   id: architecture.independence
#   severity: high
#   input: imports
#   data:
#     - sentinel.params.architecture.independence
#   requires:
#     - sentinel.params.architecture.independence
#   fix: >-
#     Independent modules must not import each other: move what they share into a module both may
#     import.
deny_independence contains lib.finding(_independence_meta, imports.layer_message(hit), hit.site.file, hit.site.line) if {
	some spec in _independence_specs
	some hit in imports.layer_violations(spec)
	not lib.excepted("architecture.independence", hit.site.file)
}

exception contains ["independence"] if {
	input.kind == "imports"
	"independence" in lib.excepted_rules("architecture")
}
