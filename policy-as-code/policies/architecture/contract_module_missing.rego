package sentinel.architecture.contract_module_missing

import data.sentinel.imports
import data.sentinel.lib

_missing_meta := {"rule": "architecture.contract_module_missing"}

_params := lib.params("architecture")

# [contract kind, contract name, option, module, whether an external module may be absent].
_named contains [kind, imports.contract_name(c, kind, i), option, m, kind == "forbidden"] if {
	some kind, option in {"forbidden": "forbidden_modules", "protected": "protected_modules"}
	some i, c in object.get(_params, kind, [])
	some m in object.get(c, option, [])
}

_named contains [kind, imports.contract_name(c, kind, i), option, m, false] if {
	some [kind, option] in [["forbidden", "source_modules"], ["protected", "allowed_importers"], ["independence", "modules"], ["layers", "containers"]]
	some i, c in object.get(_params, kind, [])
	some m in object.get(c, option, [])
}

_named contains ["acyclic", imports.contract_name(c, "acyclic", i), "packages", m, false] if {
	some i, c in object.get(_params, "acyclic", [])
	some m in c.packages
	m != ""
}

_named contains ["layers", imports.contract_name(c, "layers", i), "layers", member.module, false] if {
	some i, c in object.get(_params, "layers", [])
	some container in imports.layer_containers(c)
	some entry in c.layers
	some member in imports.layer_members(entry, container)
	not member.optional
}

# METADATA
# title: Contract modules exist
# description: >-
#   An import contract that names a module the repository does not have (a typo, a package
#   since renamed) would pass without checking anything; import-linter stops with an error.
#   Every module a contract names must be a first-party module or package of the imports
#   document, except forbidden modules outside the repository (redis), which may simply not be
#   imported, and optional layers written "(name)".
# custom:
#   id: architecture.contract_module_missing
#   severity: high
#   input: imports
#   data:
#     - sentinel.params.architecture
#   fix: >-
#     Fix the module name in the contract (params.architecture in conftest.yml), or remove it: a
#     contract naming nothing checks nothing.
deny_contract_module_missing contains lib.finding_nowhere(_missing_meta, msg) if {
	input.kind == "imports"
	some [kind, name, option, module, external_ok] in _named
	not imports.module_exists(module, external_ok)
	msg := sprintf(
		"%s contract %q names module %s in %s, but the repository has no such module, so the contract checks nothing. Fix the name or remove it.",
		[kind, name, module, option],
	)
}

exception contains ["contract_module_missing"] if {
	input.kind == "imports"
	"contract_module_missing" in lib.excepted_rules("architecture")
}
