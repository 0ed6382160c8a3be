package sentinel.architecture.acyclic

import data.sentinel.imports
import data.sentinel.lib

_meta := {"rule": "architecture.acyclic"}

# One hit per group of mutually dependent children (strongly connected), started at its first.
_hits contains {"parent": parent, "start": x, "members": scc} if {
	some parent, g in imports.sibling_graphs
	reach := {y: graph.reachable(g, g[y]) | some y, _ in g}
	some x, r in reach
	x in r
	scc := {y | some y in r; x in reach[y]}
	x == min(scc)
}

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

# One shortest cycle through start in g (child -> set of children): the children from start
# back to start. Each child steps to its first neighbour one level closer, so the steps form a
# chain that graph.reachable walks; sorting it by distance gives the order.
_cycle_through(g, start) := cycle if {
	reverse := {x: {y | some y, ys in g; x in ys} | some x, _ in g}
	dist := {x: d | some d, level in _levels(reverse, start); some x in level}
	first := min({[dist[s], s] | some s in g[start]; dist[s]})
	hop := {x: [next] |
		some x, d in dist
		d > 0
		next := min({y | some y in g[x]; dist[y] == d - 1})
	}
	path := graph.reachable(object.union(hop, {start: []}), {first[1]})
	cycle := array.concat([start], [pair[1] | some pair in sort([[0 - dist[x], x] | some x in path])])
}

_full_name(parent, child, sep) := child if parent == ""

_full_name(parent, child, sep) := concat(sep, [parent, child]) if parent != ""

# The import behind one step a -> b: [importer, imported].
_witness(parent, a, b) := [row[2], row[3]] if {
	row := min({r | some r in imports.sibling_imports[parent]; r[0] == a; r[1] == b})
}

_parent_label(parent) := parent if parent != ""

_parent_label(parent) := "the top level" if parent == ""

# The cycle to show, or null when it is longer than the levels reach.
_cycle_or_null(hit) := cycle if {
	cycle := _cycle_through(imports.sibling_graphs[hit.parent], hit.start)
} else := null

_finding(hit, cycle) := lib.finding(_meta, msg, site.file, site.line) if {
	cycle != null
	sep := imports.separator[imports.sibling_imports[hit.parent][0][2]]
	names := [_full_name(hit.parent, c, sep) | some c in cycle]
	first := _witness(hit.parent, cycle[0], cycle[1])
	site := imports.site(first[0], first[1])

	# The first import is where the finding points; the others say where they are.
	later := [sprintf("%s imports %s at %s:%d", [w[0], w[1], s.file, s.line]) |
		some i in numbers.range(0, count(cycle) - 2)
		i > 0
		w := _witness(hit.parent, cycle[i], cycle[i + 1])
		s := imports.site(w[0], w[1])
	]
	steps := array.concat([sprintf("%s imports %s", [first[0], first[1]])], later)
	msg := sprintf(
		"import cycle between the children of %s: %s (%s). Break one of these imports: move what the siblings share into a lower module, or invert a dependency.",
		[_parent_label(hit.parent), concat(" -> ", names), concat("; ", steps)],
	)
}

_finding(hit, cycle) := lib.finding(_meta, msg, site.file, site.line) if {
	cycle == null
	row := min({r | some r in imports.sibling_imports[hit.parent]; r[0] == hit.start; r[1] in hit.members})
	site := imports.site(row[2], row[3])
	msg := sprintf(
		"the children %s of %s import each other in a cycle too long to list. Break it: move what they share into a lower module.",
		[concat(", ", sort(hit.members)), _parent_label(hit.parent)],
	)
}

# METADATA
# title: No import cycles between siblings
# description: >-
#   For each package listed in a contract's packages ("" for the top level), its direct children
#   (subpackages and modules, with everything inside them) must not import each other in a
#   cycle. One concrete cycle is reported per group of mutually dependent children, with the
#   import behind each step. recursive extends the check to every package inside the listed ones.
# custom:
#   id: architecture.acyclic
#   severity: medium
#   input: imports
#   data:
#     - sentinel.params.architecture.acyclic
#   requires:
#     - sentinel.params.architecture.acyclic
#   fix: >-
#     Break the cycle: move what the siblings share into a lower module, or invert one of the
#     imports.
deny_acyclic contains finding if {
	some hit in _hits
	finding := _finding(hit, _cycle_or_null(hit))
	not lib.excepted("architecture.acyclic", finding._loc.file)
}

exception contains ["acyclic"] if {
	input.kind == "imports"
	"acyclic" in lib.excepted_rules("architecture")
}
