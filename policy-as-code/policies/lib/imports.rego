# METADATA
# title: Import graph helpers
# description: >-
#   The import graph of the imports document and the contract engine the architecture rules
#   share: package names resolved to modules, layer maps, direct and indirect crossings. Kept
#   in its own package so each rule package stays one file, and written for regorus's costs:
#   native set operations and builtins in the loops over imports, no function calls there.
package sentinel.imports

import data.sentinel.lib

modules := [f.module | input.kind == "imports"; some f in input.files; is_string(f.module)]

# Whether every file defines its own module (the usual case; .py next to .pyi, or .ts next to
# .js, share one).
unique_modules if count(modules) == count({m | some m in modules})

# Module name -> indexes (into input.files) of the files that define it.
files_by_module := {f.module: [i] | some i, f in input.files; is_string(f.module)} if {
	input.kind == "imports"
	unique_modules
}

files_by_module := lib.group_by([[f.module, i] | some i, f in input.files; is_string(f.module)]) if {
	input.kind == "imports"
	not unique_modules
}

# Module -> the first-party modules it imports: the import graph every contract reads.
import_graph := {m: targets |
	some m, indexes in files_by_module
	targets := {t |
		some i in indexes
		some imp in input.files[i].imports
		imp.kind == "first_party"
		some t in imp.modules
		t != m
	}
}

# Module -> the stdlib and third-party modules it imports (redis, socket, sqlx::PgPool): what a
# forbidden contract naming a package outside the repository checks.
external_graph := {m: targets |
	some m, indexes in files_by_module
	targets := {t |
		some i in indexes
		some imp in input.files[i].imports
		imp.kind != "first_party"
		some t in imp.modules
	}
	count(targets) > 0
}

# Every first-party module and package: the extractor's list, or for a document without one
# (written by hand) the files' modules and the packages holding them.
defined := {m | some m in input.modules} if {
	input.kind == "imports"
	is_array(input.modules)
}

defined := {name |
	some f in input.files
	is_string(f.module)
	sep := object.get(_separators, f.language, ".")
	parts := split(f.module, sep)
	some n in numbers.range(1, count(parts))
	name := concat(sep, array.slice(parts, 0, n))
} if {
	input.kind == "imports"
	not is_array(input.modules)
}

# The first name of a module path, whatever its separator.
top_name(name) := regex.split(`::|[./]`, name)[0]

_first_party_tops := {top_name(m) | some m in defined}

# Whether a contract's module names something in the repository. A name whose first segment is
# not a first-party package is external (redis, sqlx): external_ok says whether it may be absent
# (a forbidden module nobody imports is simply not imported).
module_exists(name, _) if name in defined

module_exists(name, true) if not top_name(name) in _first_party_tops

# The separator of module names per language: Rust "::", Go and JavaScript "/", else ".".
_separators := {"rust": "::", "go": "/", "javascript": "/", "typescript": "/"}

# Module -> the separator of its name.
separator := {f.module: object.get(_separators, f.language, ".") |
	input.kind == "imports"
	some f in input.files
	is_string(f.module)
}

# Where module m imports module t: the first such import statement.
site(m, t) := [{"file": imp.file, "line": imp.line} |
	some i in files_by_module[m]
	some imp in input.files[i].imports
	t in imp.modules
][0]

# Every module of the graph, importer or imported.
nodes := {m | some m, _ in import_graph} | {t | some _, targets in import_graph; some t in targets}

# The modules of the graph that are one of the named modules or packages or lie inside one.
# One native prefix match per module keeps a contract check linear in the number of modules.
modules_under(prefixes) := ({p | some p in prefixes} & nodes) | {m |
	starts := [concat("", [p, sep]) | some p in prefixes; some sep in [".", "::", "/"]]
	some m in nodes
	strings.any_prefix_match(m, starts)
}

# Every module of the graph or imported from outside it.
all_nodes := nodes | {t | some _, targets in external_graph; some t in targets}

# modules_under over all_nodes (external modules included); with as_packages false, only the
# named modules themselves, as import-linter's as_packages option.
modules_under_all(prefixes, true) := ({p | some p in prefixes} & all_nodes) | {m |
	starts := [concat("", [p, sep]) | some p in prefixes; some sep in [".", "::", "/"]]
	some m in all_nodes
	strings.any_prefix_match(m, starts)
}

modules_under_all(prefixes, false) := {p | some p in prefixes} & all_nodes

# A contract's name for messages: its name, or its kind and position in the data.
contract_name(contract, _, _) := contract.name if is_string(contract.name)

contract_name(contract, kind, index) := sprintf("%s[%d]", [kind, index]) if not is_string(contract.name)

# import-linter's ignore_imports: "importer -> imported", each side a glob over dotted names.
ignored(contract, importer, imported) if {
	some pattern in object.get(contract, "ignore_imports", [])
	parts := split(pattern, "->")
	count(parts) == 2
	glob.match(trim_space(parts[0]), ["."], importer)
	glob.match(trim_space(parts[1]), ["."], imported)
}

# ---- Layers and independence -------------------------------------------------------------
# A layers contract as import-linter writes it: containers (each repeats the layers inside it),
# layers highest first, each "a", "a | b" (independent members), "a : b" (members that may
# import each other) or a list of modules (independent); "(a)" is an optional layer member,
# one that may be absent.

layer_containers(contract) := contract.containers if count(object.get(contract, "containers", [])) > 0

layer_containers(contract) := [""] if count(object.get(contract, "containers", [])) == 0

_in_container(name, container) := name if container == ""

_in_container(name, container) := concat(".", [container, name]) if container != ""

_member_name(raw) := trim_space(substring(t, 1, count(t) - 2)) if {
	_member_optional(raw)
	t := trim_space(raw)
}

_member_name(raw) := trim_space(raw) if _member_optional(raw) == false

_member_optional(raw) := true if {
	startswith(trim_space(raw), "(")
	endswith(trim_space(raw), ")")
} else := false

_entry_parts(entry) := regex.split(`[|:]`, entry) if is_string(entry)

_entry_parts(entry) := entry if is_array(entry)

# The members of one layer entry inside a container: [{"module", "optional"}].
layer_members(entry, container) := [{"module": _in_container(_member_name(p), container), "optional": _member_optional(p)} |
	some p in _entry_parts(entry)
]

layer_entry_independent(entry) := contains(entry, "|") if is_string(entry)

layer_entry_independent(entry) := true if is_array(entry)

# One engine checks both over a spec: {"name", "kind", "layers": [[module, ...], ...] highest
# first, "independent": [bool, ...], "indirect": bool, "ignore_imports": [...]}. An independence
# contract is a single layer whose members are independent.

# The separator and the number of segments of a module or package name.
_name_separator(n) := "::" if contains(n, "::")

_name_separator(n) := "/" if {
	not contains(n, "::")
	contains(n, "/")
}

_name_separator(n) := "." if {
	not contains(n, "::")
	not contains(n, "/")
}

_name_depth(n) := count(split(n, _name_separator(n)))

# Module -> the most specific of the names that holds it, for the modules of the graph. Each
# module is cut at the depths the names have and looked up, so the cost does not grow with the
# number of names.
modules_by_name(names) := {m: matches[count(matches) - 1] |
	wanted := {n | some n in names}
	depths := {_name_depth(n) | some n in names}
	some m in nodes
	sep := object.get(separator, m, ".")
	parts := split(m, sep)
	matches := [p | some d in depths; d <= count(parts); p := concat(sep, array.slice(parts, 0, d)); p in wanted]
	count(matches) > 0
}

# Where each module of the spec's layers sits: its layer, its member (for independent layers),
# and the groups whose chains the indirect check follows (each member of an independent layer
# on its own, the whole layer otherwise).
layer_model(spec) := {"layered": layered, "members": members, "groups": groups} if {
	index := {name: i | some i, names in spec.layers; some name in names}
	by_name := modules_by_name(object.keys(index))
	layered := {m: index[name] | some m, name in by_name}
	members := {m: name | some m, name in by_name; spec.independent[index[name]] == true}
	grouped := lib.group_by([[name, m] | some m, name in by_name])
	groups := array.concat(
		[{"layer": i, "names": names, "member": null, "modules": {m | some name in names; some m in grouped[name]}} |
			some i, names in spec.layers
			not spec.independent[i]
		],
		[{"layer": i, "names": [name], "member": name, "modules": {m | some m in grouped[name]}} |
			some i, names in spec.layers
			spec.independent[i] == true
			some name in names
		],
	)
}

_hit(spec, model, importer, t, via, site) := {
	"spec": spec,
	"importer": importer,
	"importer_layer": model.layered[importer],
	"imported": t,
	"imported_layer": model.layered[t],
	"via": via,
	"site": site,
}

layer_direct(spec, model) := {hit |
	some m, i in model.layered
	some t in import_graph[m]
	model.layered[t] < i
	not ignored(spec, m, t)
	hit := _hit(spec, model, m, t, null, site(m, t))
} | {hit |
	some m, i in model.layered
	spec.independent[i] == true
	member := model.members[m]
	some t in import_graph[m]
	model.layered[t] == i
	model.members[t] != member
	not ignored(spec, m, t)
	hit := _hit(spec, model, m, t, null, site(m, t))
}

# Indirect: from a group (a layer, or one member of an independent layer), follow imports
# through modules outside every layer; an import from there into a higher layer (or another
# member of the same independent layer) completes an illegal chain.
layer_indirect(spec, model) := {hit |
	free := object.remove(import_graph, {m | some m, _ in model.layered})
	exits := {w: ts |
		some w, targets in free
		ts := [t | some t in targets; model.layered[t]]
		count(ts) > 0
	}
	some group in model.groups
	starts := {t | some m in group.modules; some t in import_graph[m]; not model.layered[t]}
	count(starts) > 0
	reached := graph.reachable(free, starts)
	some w, ts in exits
	w in reached
	some t in ts
	j := model.layered[t]
	_chain_crosses(spec, model, group, j, t)
	not ignored(spec, w, t)
	hit := {
		"spec": spec,
		"importer": group.names,
		"importer_layer": group.layer,
		"imported": t,
		"imported_layer": j,
		"via": w,
		"site": site(w, t),
	}
}

_chain_crosses(_, _, group, j, _) if j < group.layer

_chain_crosses(_, model, group, j, t) if {
	j == group.layer
	group.member != null
	model.members[t] != group.member
}

layer_violations(spec) := hits if {
	spec.indirect == true
	model := layer_model(spec)
	hits := layer_direct(spec, model) | layer_indirect(spec, model)
}

layer_violations(spec) := layer_direct(spec, layer_model(spec)) if spec.indirect != true

_layer_label(spec, i) := concat(" | ", spec.layers[i])

_layer_chain(spec) := concat(" > ", [_layer_label(spec, i) | some i, _ in spec.layers])

# What the import breaks: a higher layer, or an independent sibling.
_layer_breach(hit) := sprintf("%s is in the higher layer %s", [hit.imported, _layer_label(hit.spec, hit.imported_layer)]) if {
	hit.imported_layer < hit.importer_layer
}

_layer_breach(hit) := sprintf("%s is in an independent sibling of the same layer (%s)", [hit.imported, _layer_label(hit.spec, hit.importer_layer)]) if {
	hit.imported_layer == hit.importer_layer
}

layer_message(hit) := sprintf(
	"%s imports %s, but %s, which %s contract %q forbids (%s). Move the code to a lower layer or invert the dependency.",
	[hit.importer, hit.imported, _layer_breach(hit), hit.spec.kind, hit.spec.name, _layer_chain(hit.spec)],
) if hit.via == null

layer_message(hit) := sprintf(
	"%s imports %s, and %s is itself imported (directly or indirectly) by %s; %s, so %s contract %q is broken by an indirect import (%s). Cut this import or the chain that reaches %s.",
	[hit.via, hit.imported, hit.via, concat(", ", hit.importer), _layer_breach(hit), hit.spec.kind, hit.spec.name, _layer_chain(hit.spec), hit.via],
) if hit.via != null

# ---- Acyclic siblings (architecture.acyclic) ------------------------------------------------
# Here rather than in the rule's package so that these large intermediate values are not part
# of the rule package's value, which the runner reads back for every input.

_acyclic_contracts := lib.param("architecture", "acyclic", [])

# Packages whose children are checked ("" is the top level), and the name prefixes of the
# packages inside them for recursive contracts.
_acyclic_packages := {p | some contract in _acyclic_contracts; some p in contract.packages}

_acyclic_recursive_starts := [concat("", [p, sep]) |
	some contract in _acyclic_contracts
	contract.recursive == true
	some p in contract.packages
	p != ""
	some sep in [".", "::", "/"]
]

_acyclic_everywhere if {
	some contract in _acyclic_contracts
	contract.recursive == true
	"" in contract.packages
}

_acyclic_covers(parent) if parent in _acyclic_packages

_acyclic_covers(parent) if {
	parent != ""
	strings.any_prefix_match(parent, _acyclic_recursive_starts)
}

_acyclic_covers(parent) if {
	parent != ""
	_acyclic_everywhere
}

# Every import m -> t between two different children of one package: grouped by the path of
# that package (where the two module paths part), as [child a, child b, m, t] with children as
# their last name segment. An import of a module's own ancestor has no such package.
_crossings := lib.group_by([[array.slice(pm, 0, d), [pm[d], pt[d], m, t]] |
	input.kind == "imports"
	count(_acyclic_contracts) > 0
	some m, targets in import_graph
	sep := separator[m]
	pm := split(m, sep)
	some t in targets
	pt := split(t, sep)
	d := min({i | some i, part in pm; part != pt[i]})
])

# Package name -> its crossings, for the checked packages only.
sibling_imports := {parent: rows |
	some path, rows in _crossings
	parent := concat(separator[rows[0][2]], path)
	_acyclic_covers(parent)
}

# Package -> the graph of its children: child -> set of children it imports.
sibling_graphs := {parent: g |
	some parent, rows in sibling_imports
	g := {a: {row[1] | some row in group} | some a, group in lib.group_by([[row[0], row] | some row in rows])}
}
