package sentinel.architecture.forbidden_import

import data.sentinel.imports
import data.sentinel.lib

_forbidden_meta := {
	"rule": "architecture.forbidden_import",
	"category": "architecture",
	"severity": "high",
	"fix": "Remove the import: move the shared code to a module both may import, or pass the data in instead.",
}

_forbidden_contracts := lib.param("architecture", "forbidden", [])

# Each contract with its modules resolved once: the forbidden ones and the sources outside them.
_forbidden_specs contains spec if {
	input.kind == "imports"
	some index, contract in _forbidden_contracts
	forbidden := imports.modules_under(contract.forbidden_modules)
	spec := {
		"name": imports.contract_name(contract, "forbidden", index),
		"contract": contract,
		"forbidden": forbidden,
		"sources": imports.modules_under(contract.source_modules) - forbidden,
	}
}

_forbidden_hits contains hit if {
	some spec in _forbidden_specs
	some m in spec.sources
	some t in imports.import_graph[m]
	t in spec.forbidden
	not imports.ignored(spec.contract, m, t)
	hit := {"name": spec.name, "contract": spec.contract, "importer": m, "imported": t, "via": null, "site": imports.site(m, t)}
}

# Indirect: a module outside the source modules, reached from them through the import graph
# (never through a forbidden module), imports a forbidden module.
_forbidden_hits contains hit if {
	some spec in _forbidden_specs
	spec.contract.indirect == true
	reached := graph.reachable(object.remove(imports.import_graph, spec.forbidden), spec.sources)
	some w in reached - spec.sources
	some t in imports.import_graph[w]
	t in spec.forbidden
	not imports.ignored(spec.contract, w, t)
	hit := {"name": spec.name, "contract": spec.contract, "importer": w, "imported": t, "via": w, "site": imports.site(w, t)}
}

_forbidden_message(hit) := sprintf(
	"%s:%d: %s imports %s, which forbidden-import contract %q does not allow (%s must not import %s). Move the shared code to a module both may import, or invert the dependency.",
	[hit.site.file, hit.site.line, hit.importer, hit.imported, hit.name, concat(", ", hit.contract.source_modules), concat(", ", hit.contract.forbidden_modules)],
) if hit.via == null

_forbidden_message(hit) := sprintf(
	"%s:%d: %s imports %s, and %s is itself imported (directly or indirectly) by %s, so forbidden-import contract %q is broken by an indirect import. Cut this import or the chain that reaches %s.",
	[hit.site.file, hit.site.line, hit.via, hit.imported, hit.via, concat(", ", hit.contract.source_modules), hit.name, hit.via],
) if hit.via != null

# METADATA
# title: Forbidden imports
# description: >-
#   import-linter's forbidden contract. Each contract in data lists source_modules and
#   forbidden_modules (packages include everything inside them); no source module may import a
#   forbidden one. With indirect set, a chain through other modules counts too, and the import
#   that completes the chain is reported. ignore_imports ("a.b -> c.*") skips known imports.
# custom:
#   id: architecture.forbidden_import
#   severity: high
#   input: imports
#   data:
#     - sentinel.params.architecture.forbidden
#   requires:
#     - sentinel.params.architecture.forbidden
#   fix: Move the shared code to a module both may import, or invert the dependency.
deny_forbidden_import contains lib.finding(_forbidden_meta, _forbidden_message(hit), hit.site.file, hit.site.line) if {
	some hit in _forbidden_hits
	not lib.excepted("architecture.forbidden_import", hit.site.file)
}

exception contains ["forbidden_import"] if {
	input.kind == "imports"
	"forbidden_import" in lib.excepted_rules("architecture")
}
