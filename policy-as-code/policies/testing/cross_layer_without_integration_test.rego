package sentinel.testing.cross_layer_without_integration_test

import data.sentinel.lib

_meta := {"rule": "testing.cross_layer_without_integration_test"}

_layers := lib.param("core", "layers", {})

_integration_paths := lib.param("testing", "integration_test_paths", [])

# The layer of a changed file: the document's own layer when it carries one, else the first
# layer in data whose globs match.
_layer_of(f) := f.layer if is_string(f.layer)

_layer_of(f) := name if {
	not f.layer
	matches := [n | some n in sort(object.keys(_layers)); lib.path_in(f.file, _layers[n])]
	name := matches[0]
}

# Layer -> the first changed file in it (logic only: tests and deletions aside).
_touched := {layer: file |
	input.kind == "changes"
	some layer in {_layer_of(f) | some f in input.files; not f.is_test; f.status != "D"}
	file := min({f.file | some f in input.files; not f.is_test; f.status != "D"; _layer_of(f) == layer})
}

_integration_changed if {
	some f in input.files
	f.status != "D"
	lib.path_in(f.file, _integration_paths)
}

# METADATA
# title: Changes across layers come with an integration test
# description: >-
#   A change whose non-test files span two or more layers needs an added or changed file under
#   integration_test_paths. A file's layer is the one the changes document gives it, else the
#   first layer of data.sentinel.params.core.layers (name -> globs, in name order) matching it.
# custom:
#   id: testing.cross_layer_without_integration_test
#   severity: medium
#   input: changes
#   data:
#     - sentinel.params.core.layers
#     - sentinel.params.testing.integration_test_paths
#   requires:
#     - sentinel.params.core.layers
#   fix: Add or change an integration test that runs the touched layers together.
deny_cross_layer_without_integration_test contains lib.finding(_meta, msg, file, 1) if {
	count(_touched) >= 2
	not _integration_changed
	names := sort(object.keys(_touched))
	file := _touched[names[1]]
	not lib.excepted("testing.cross_layer_without_integration_test", file)
	msg := sprintf(
		"the change touches %d layers (%s) but no integration test (%s) was added or changed. Add one that runs these layers together.",
		[count(names), concat(", ", [sprintf("%s: %s", [n, _touched[n]]) | some n in names]), concat(", ", _integration_paths)],
	)
}

exception contains ["cross_layer_without_integration_test"] if {
	input.kind == "changes"
	"cross_layer_without_integration_test" in lib.excepted_rules("testing")
}
