package sentinel.architecture

import data.sentinel.lib

_acyclic_meta := {
	"rule": "architecture.acyclic",
	"category": "architecture",
	"severity": "medium",
	"fix": "Break the cycle: move what the siblings share into a lower module, or invert one of the imports.",
}

# For an import m -> t: the package where their paths part, and the two children of it that
# hold m and t. The number of ancestors they share is the depth where they part; an import of a
# module's own ancestor (or descendant) has no such pair.
_sibling_edge(m, t) := [parent, chain_m[d], chain_t[d]] if {
	chain_m := _ancestry[m]
	chain_t := _ancestry[t]
	d := count({a | some a in chain_m} & {a | some a in chain_t})
	d < count(chain_m)
	d < count(chain_t)
	parent := _parent_at(chain_m, d)
}

_parent_at(_, d) := "" if d == 0

_parent_at(chain, d) := chain[d - 1] if d > 0

_acyclic_contracts := lib.param("architecture", "acyclic", [])

# Whether the children of package parent are checked by contract: parent is listed, or lies
# inside a listed package and the contract is recursive. "" is the top level.
_acyclic_covers(contract, parent) if parent in contract.packages

_acyclic_covers(contract, parent) if {
	contract.recursive == true
	parent != ""
	lib.module_in(parent, contract.packages)
}

# Package -> [[child a, child b, importer, imported], ...] for every import between siblings.
_sibling_imports := lib.group_by([[edge[0], [edge[1], edge[2], m, t]] |
	input.kind == "imports"
	count(_acyclic_contracts) > 0
	some m, targets in _graph
	some t in targets
	edge := _sibling_edge(m, t)
	some contract in _acyclic_contracts
	_acyclic_covers(contract, edge[0])
])

# Distances to target along the edges (reverse BFS), as levels; cycles longer than the levels
# listed here are reported by their members only.
_next_level(reverse, frontier, seen) := {p | some x in frontier; some p in reverse[x]; not p in seen}

_levels(reverse, target) := [l0, l1, l2, l3, l4, l5, l6, l7, l8, l9] if {
	l0 := {target}
	l1 := _next_level(reverse, l0, l0)
	s1 := l0 | l1
	l2 := _next_level(reverse, l1, s1)
	s2 := s1 | l2
	l3 := _next_level(reverse, l2, s2)
	s3 := s2 | l3
	l4 := _next_level(reverse, l3, s3)
	s4 := s3 | l4
	l5 := _next_level(reverse, l4, s4)
	s5 := s4 | l5
	l6 := _next_level(reverse, l5, s5)
	s6 := s5 | l6
	l7 := _next_level(reverse, l6, s6)
	s7 := s6 | l7
	l8 := _next_level(reverse, l7, s7)
	s8 := s7 | l8
	l9 := _next_level(reverse, l8, s8)
}

# One shortest cycle through start in graph g (child -> set of children), as a list of nodes
# from start back to start; undefined when it is longer than the levels reach.
_cycle_through(g, start) := cycle if {
	reverse := {x: {y | some y, ys in g; x in ys} | some x, _ in g}
	levels := _levels(reverse, start)
	dist := {x: d | some d, level in levels; some x in level}
	first := min({[dist[s], s] | some s in g[start]; dist[s]})
	hop := {x: next |
		some x, d in dist
		d > 0
		next := min({y | some y in g[x]; dist[y] == d - 1})
	}
	path := graph.reachable(object.union({x: [y] | some x, y in hop}, {start: []}), {first[1]})
	ordered := [pair[1] | some pair in sort([[0 - dist[x], x] | some x in path])]
	cycle := array.concat([start], ordered)
}

_acyclic_hits contains hit if {
	some parent, imports in _sibling_imports
	g := {a: {row[1] | some row in rows} | some a, rows in lib.group_by([[row[0], row] | some row in imports])}
	reach := {x: graph.reachable(g, {y | some y in g[x]}) | some x, _ in g}
	on_cycle := {x | some x, r in reach; x in r}
	some x in on_cycle
	scc := {y | some y in reach[x]; x in reach[y]}
	x == min(scc)
	hit := {"parent": parent, "members": scc, "start": x, "graph": g, "imports": imports}
}

_cycle_witness(hit, a, b) := [pair[2], pair[3]] if {
	pair := min({p | some p in hit.imports; p[0] == a; p[1] == b})
}

_acyclic_message(hit) := sprintf(
	"%s:%d: import cycle between the children of %s: %s (%s). Break one of these imports: move what the siblings share into a lower module, or invert a dependency.",
	[site.file, site.line, _parent_label(hit.parent), concat(" -> ", cycle), concat("; ", steps)],
) if {
	cycle := _cycle_through(hit.graph, hit.start)
	steps := [sprintf("%s imports %s at %s:%d", [w[0], w[1], s.file, s.line]) |
		some i in numbers.range(0, count(cycle) - 2)
		w := _cycle_witness(hit, cycle[i], cycle[i + 1])
		s := _site(w[0], w[1])
	]
	first := _cycle_witness(hit, cycle[0], cycle[1])
	site := _site(first[0], first[1])
}

_acyclic_message(hit) := sprintf(
	"%s:%d: the children %s of %s import each other in a cycle too long to list. Break it: move what they share into a lower module.",
	[site.file, site.line, concat(", ", sort(hit.members)), _parent_label(hit.parent)],
) if {
	not _cycle_through(hit.graph, hit.start)
	first := min({p | some p in hit.imports; p[0] == hit.start; p[1] in hit.members})
	site := _site(first[2], first[3])
}

_parent_label(parent) := parent if parent != ""

_parent_label(parent) := "the top level" if parent == ""

_acyclic_location(hit) := _site(first[2], first[3]) if {
	cycle := _cycle_through(hit.graph, hit.start)
	first := min({p | some p in hit.imports; p[0] == cycle[0]; p[1] == cycle[1]})
}

_acyclic_location(hit) := _site(first[2], first[3]) if {
	not _cycle_through(hit.graph, hit.start)
	first := min({p | some p in hit.imports; p[0] == hit.start; p[1] in hit.members})
}

# METADATA
# title: No import cycles between siblings
# description: >-
#   For each package listed in a contract's packages ("" for the top level), its direct children
#   (subpackages and modules, with everything inside them) must not import each other in a
#   cycle. One concrete cycle is reported per group of mutually dependent siblings, with the
#   import behind each step. recursive extends the check to every package inside the listed ones.
# custom:
#   id: architecture.acyclic
#   severity: medium
#   input: imports
#   data:
#     - sentinel.params.architecture.acyclic
#   fix: Move what the siblings share into a lower module, or invert one import.
deny_acyclic contains lib.finding(_acyclic_meta, _acyclic_message(hit), loc.file, loc.line) if {
	some hit in _acyclic_hits
	loc := _acyclic_location(hit)
	not lib.excepted("architecture.acyclic", loc.file)
}

exception contains ["acyclic"] if {
	input.kind == "imports"
	"acyclic" in lib.excepted_rules("architecture")
}
