# METADATA
# title: Architecture
# description: >-
#   Guards the module structure: import contracts in the style of import-linter (forbidden,
#   layers, independence, acyclic siblings), no direct HTTP or socket clients outside the modules
#   allowed to use them, and no blocking calls inside async functions. Contracts name modules and
#   packages (a package covers everything inside it); they read the imports document.
package sentinel.architecture

import data.sentinel.lib

# Module name -> indexes (into input.files) of the files that define it, usually one.
_files_by_module := lib.group_by([[f.module, i] |
	input.kind == "imports"
	some i, f in input.files
	is_string(f.module)
])

# Module -> the first-party modules it imports: the import graph every contract reads.
_graph := {m: targets |
	some m, indexes in _files_by_module
	targets := {t |
		some i in indexes
		some imp in input.files[i].imports
		imp.kind == "first_party"
		some t in imp.modules
		t != m
	}
}

# Where module m imports module t: the first such import statement.
_site(m, t) := [{"file": imp.file, "line": imp.line} |
	some i in _files_by_module[m]
	some imp in input.files[i].imports
	t in imp.modules
][0]

# The separator of a module name: Rust "::", Go and JavaScript "/", Python and Elixir ".".
_separator(m) := "::" if contains(m, "::")

_separator(m) := "/" if {
	not contains(m, "::")
	contains(m, "/")
}

_separator(m) := "." if {
	not contains(m, "::")
	not contains(m, "/")
}

# Every module of the graph, importer or imported.
_nodes := {m | some m, _ in _graph} | {t | some _, targets in _graph; some t in targets}

# Module -> its ancestors and itself, outermost first: a.b.c -> [a, a.b, a.b.c].
_ancestry := {m: [concat(sep, array.slice(parts, 0, i)) | some i in numbers.range(1, count(parts))] |
	some m in _nodes
	sep := _separator(m)
	parts := split(m, sep)
}

# Module or package name -> the modules inside it (itself included). Contracts name packages;
# resolving each name once here keeps every contract check a set lookup.
_under := lib.group_by([[a, m] | some m, chain in _ancestry; some a in chain])

_modules_under(prefixes) := {m | some p in prefixes; some m in _under[p]}

# A contract's name for messages: its name, or its kind and position in the data.
_contract_name(contract, _, _) := contract.name if is_string(contract.name)

_contract_name(contract, kind, index) := sprintf("%s[%d]", [kind, index]) if not is_string(contract.name)

# import-linter's ignore_imports: "importer -> imported", each side a glob over dotted names.
_ignored(contract, importer, imported) if {
	some pattern in object.get(contract, "ignore_imports", [])
	parts := split(pattern, "->")
	count(parts) == 2
	glob.match(trim_space(parts[0]), ["."], importer)
	glob.match(trim_space(parts[1]), ["."], imported)
}

# ---- Layers and independence -------------------------------------------------------------
# Both are checked by one engine over a spec: {"name", "kind", "layers": [[module, ...], ...]
# highest first, "independent": [bool, ...], "indirect": bool, "ignore_imports": [...]}. An
# independence contract is a single layer whose members are independent.

# Module -> index of the first layer holding it, for the modules of the spec's layers.
_layer_map(spec) := {m: min({i | some i, layer_set in sets; m in layer_set}) |
	sets := [_modules_under(members) | some members in spec.layers]
	some s in sets
	some m in s
}

# Module -> the member (of an independent layer) holding it.
_member_map(spec) := {m: p |
	some i, members in spec.layers
	spec.independent[i] == true
	some p in members
	some m in _under[p]
}

# Importing t from layer i (member `member`) crosses the contract: t is in a higher layer, or in
# another member of the same independent layer.
_crosses(spec, layered, members, i, member, t) if layered[t] < i

_crosses(spec, layered, members, i, member, t) if {
	layered[t] == i
	spec.independent[i] == true
	members[t] != member
}

_layer_direct(spec, layered, members) := {hit |
	some m, i in layered
	some t in _graph[m]
	_crosses(spec, layered, members, i, object.get(members, m, null), t)
	not _ignored(spec, m, t)
	hit := {"spec": spec, "importer": m, "importer_layer": i, "imported": t, "imported_layer": layered[t], "via": null, "site": _site(m, t)}
}

# Groups whose imports are followed through unlayered modules: each member of an independent
# layer on its own, the whole layer otherwise.
_layer_groups(spec) := [group |
	some i, members in spec.layers
	some group in _groups_of_layer(spec, i, members)
]

_groups_of_layer(spec, i, members) := [{"layer": i, "members": [p], "member": p} | some p in members] if {
	spec.independent[i] == true
}

_groups_of_layer(spec, i, members) := [{"layer": i, "members": members, "member": null}] if {
	not spec.independent[i]
}

_layer_indirect(spec, layered, members) := {hit |
	free := object.remove(_graph, {m | some m, _ in layered})
	some group in _layer_groups(spec)
	starts := {t |
		some m in _modules_under(group.members)
		layered[m] == group.layer
		some t in _graph[m]
		not layered[t]
	}
	count(starts) > 0
	reached := graph.reachable(free, starts)
	some w in reached
	some t in _graph[w]
	_crosses(spec, layered, members, group.layer, group.member, t)
	not _ignored(spec, w, t)
	hit := {"spec": spec, "importer": group.members, "importer_layer": group.layer, "imported": t, "imported_layer": layered[t], "via": w, "site": _site(w, t)}
}

_layer_violations(spec) := hits if {
	spec.indirect == true
	layered := _layer_map(spec)
	members := _member_map(spec)
	hits := _layer_direct(spec, layered, members) | _layer_indirect(spec, layered, members)
}

_layer_violations(spec) := _layer_direct(spec, _layer_map(spec), _member_map(spec)) if spec.indirect != true

_layer_label(spec, i) := concat(" | ", spec.layers[i])

_layer_chain(spec) := concat(" > ", [_layer_label(spec, i) | some i, _ in spec.layers])

# What the import breaks: a higher layer, or an independent sibling.
_layer_breach(hit) := sprintf("%s is in the higher layer %s", [hit.imported, _layer_label(hit.spec, hit.imported_layer)]) if {
	hit.imported_layer < hit.importer_layer
}

_layer_breach(hit) := sprintf("%s is in an independent sibling of the same layer (%s)", [hit.imported, _layer_label(hit.spec, hit.importer_layer)]) if {
	hit.imported_layer == hit.importer_layer
}

_layer_message(hit) := sprintf(
	"%s:%d: %s imports %s, but %s, which %s contract %q forbids (%s). Move the code to a lower layer or invert the dependency.",
	[hit.site.file, hit.site.line, hit.importer, hit.imported, _layer_breach(hit), hit.spec.kind, hit.spec.name, _layer_chain(hit.spec)],
) if hit.via == null

_layer_message(hit) := sprintf(
	"%s:%d: %s imports %s, and %s is itself imported (directly or indirectly) by %s; %s, so %s contract %q is broken by an indirect import (%s). Cut this import or the chain that reaches %s.",
	[hit.site.file, hit.site.line, hit.via, hit.imported, hit.via, concat(", ", hit.importer), _layer_breach(hit), hit.spec.kind, hit.spec.name, _layer_chain(hit.spec), hit.via],
) if hit.via != null
