package sentinel.architecture.protected

import data.sentinel.imports
import data.sentinel.lib

_protected_meta := {"rule": "architecture.protected"}

_protected_specs contains spec if {
	input.kind == "imports"
	some index, contract in lib.param("architecture", "protected", [])
	as_packages := object.get(contract, "as_packages", true) != false
	protected := imports.modules_under_all(contract.protected_modules, as_packages)
	spec := {
		"name": imports.contract_name(contract, "protected", index),
		"contract": contract,
		"protected": protected,
		"allowed": imports.modules_under_all(object.get(contract, "allowed_importers", []), as_packages) | protected,
	}
}

_protected_hits contains [spec, m, t] if {
	some spec in _protected_specs
	some m, targets in imports.import_graph
	not m in spec.allowed
	some t in targets & spec.protected
	not imports.ignored(spec.contract, m, t)
}

# METADATA
# title: Protected modules
# description: >-
#   import-linter's protected contract: only the allowed_importers (and the protected modules
#   themselves) may directly import the protected_modules. Packages include everything inside
#   them unless as_packages is false; ignore_imports ("a.b -> c.*") skips known imports.
# custom:
#   id: architecture.protected
#   severity: high
#   input: imports
#   data:
#     - sentinel.params.architecture.protected
#   requires:
#     - sentinel.params.architecture.protected
#   fix: >-
#     Go through one of the allowed importers (the protected package's public face), or add the
#     importer to allowed_importers.
deny_protected contains lib.finding(_protected_meta, msg, site.file, site.line) if {
	some [spec, m, t] in _protected_hits
	site := imports.site(m, t)
	not lib.excepted("architecture.protected", site.file)
	msg := sprintf(
		"%s imports %s, which protected contract %q lets only %s import. Go through an allowed importer, or add %s to allowed_importers.",
		[m, t, spec.name, _allowed_text(spec.contract), m],
	)
}

_allowed_text(contract) := concat(", ", contract.allowed_importers) if count(object.get(contract, "allowed_importers", [])) > 0

_allowed_text(contract) := "the protected modules themselves" if count(object.get(contract, "allowed_importers", [])) == 0

exception contains ["protected"] if {
	input.kind == "imports"
	"protected" in lib.excepted_rules("architecture")
}
