package sentinel.architecture.forbidden_import

import data.sentinel.imports
import data.sentinel.lib

_forbidden_meta := {"rule": "architecture.forbidden_import"}

_forbidden_contracts := lib.param("architecture", "forbidden", [])

# import-linter checks indirect imports unless allow_indirect_imports is true; `indirect` is
# the same switch the other way round.
_indirect(contract) := contract.allow_indirect_imports != true if "allow_indirect_imports" in object.keys(contract)

_indirect(contract) := object.get(contract, "indirect", true) if not "allow_indirect_imports" in object.keys(contract)

# Each contract with its modules resolved once: the forbidden ones (first-party or external:
# redis, socket, sqlx) and the sources outside them.
_forbidden_specs contains spec if {
	input.kind == "imports"
	some index, contract in _forbidden_contracts
	as_packages := object.get(contract, "as_packages", true) != false
	forbidden := imports.modules_under_all(contract.forbidden_modules, as_packages)
	spec := {
		"name": imports.contract_name(contract, "forbidden", index),
		"contract": contract,
		"forbidden": forbidden,
		"sources": imports.modules_under_all(contract.source_modules, as_packages) - forbidden,
		"indirect": _indirect(contract),
	}
}

_targets(m) := object.get(imports.import_graph, m, set()) | object.get(imports.external_graph, m, set())

_forbidden_hits contains hit if {
	some spec in _forbidden_specs
	some m in spec.sources
	some t in _targets(m) & spec.forbidden
	not imports.ignored(spec.contract, m, t)
	hit := {"name": spec.name, "contract": spec.contract, "importer": m, "imported": t, "via": null, "site": imports.site(m, t)}
}

# Indirect: a module outside the source modules, reached from them through the import graph
# (never through a forbidden module), imports a forbidden module.
_forbidden_hits contains hit if {
	some spec in _forbidden_specs
	spec.indirect
	reached := graph.reachable(object.remove(imports.import_graph, spec.forbidden), spec.sources)
	some w in reached - spec.sources
	some t in _targets(w) & spec.forbidden
	not imports.ignored(spec.contract, w, t)
	hit := {"name": spec.name, "contract": spec.contract, "importer": w, "imported": t, "via": w, "site": imports.site(w, t)}
}

_forbidden_message(hit) := sprintf(
	"%s imports %s, which forbidden-import contract %q does not allow (%s must not import %s). Move the shared code to a module both may import, or invert the dependency.",
	[hit.importer, hit.imported, hit.name, concat(", ", hit.contract.source_modules), concat(", ", hit.contract.forbidden_modules)],
) if hit.via == null

_forbidden_message(hit) := sprintf(
	"%s imports %s, and %s is itself imported (directly or indirectly) by %s, so forbidden-import contract %q is broken by an indirect import. Cut this import or the chain that reaches %s, or set allow_indirect_imports if only direct imports matter.",
	[hit.via, hit.imported, hit.via, concat(", ", hit.contract.source_modules), hit.name, hit.via],
) if hit.via != null

# METADATA
# title: Forbidden imports
# description: >-
#   import-linter's forbidden contract. Each contract in data lists source_modules and
#   forbidden_modules (packages include everything inside them unless as_packages is false); no
#   source module may import a forbidden one. Forbidden modules may be outside the repository
#   (redis, socket, the sqlx crate). Chains through other modules count too, as in
#   import-linter, and the import that completes the chain is reported; allow_indirect_imports
#   (or indirect false) checks direct imports only. ignore_imports ("a.b -> c.*") skips known
#   imports.
# custom:
#   id: architecture.forbidden_import
#   severity: high
#   input: imports
#   data:
#     - sentinel.params.architecture.forbidden
#   requires:
#     - sentinel.params.architecture.forbidden
#   fix: >-
#     Remove the import: move the shared code to a module both may import, or pass the data in
#     instead.
deny_forbidden_import contains lib.finding(_forbidden_meta, _forbidden_message(hit), hit.site.file, hit.site.line) if {
	some hit in _forbidden_hits
	not lib.excepted("architecture.forbidden_import", hit.site.file)
}

exception contains ["forbidden_import"] if {
	input.kind == "imports"
	"forbidden_import" in lib.excepted_rules("architecture")
}
