package sentinel.testing.logic_without_tests

import data.sentinel.lib

_meta := {
	"rule": "testing.logic_without_tests",
	"category": "testing",
	"severity": "high",
	"fix": "Add or change a test that exercises the changed logic in the same change.",
}

_core_paths := object.get(lib.params("core"), "paths", [])

_extensions := lib.param("testing", "logic_extensions", [".py", ".go", ".rs", ".ts", ".tsx", ".js", ".jsx", ".ex", ".exs"])

_test_changed if {
	input.kind == "changes"
	some f in input.files
	f.is_test
	f.status != "D"
}

# METADATA
# title: Logic in core paths changes with a test
# description: >-
#   A source file under the core paths (data.sentinel.params.core.paths) that gains lines in a
#   change (added, modified, renamed or copied; not a test itself) needs at least one added or
#   changed test file in the same change. Source files are recognised by logic_extensions.
# custom:
#   id: testing.logic_without_tests
#   severity: high
#   input: changes
#   data:
#     - sentinel.params.core.paths
#     - sentinel.params.testing.logic_extensions
#   requires:
#     - sentinel.params.core.paths
#   fix: Add or change a test for the changed logic.
deny_logic_without_tests contains lib.finding(_meta, msg, f.file, f.line) if {
	input.kind == "changes"
	not _test_changed
	some f in input.files
	not f.is_test
	f.status != "D"
	f.added > 0
	strings.any_suffix_match(f.file, _extensions)
	lib.path_in(f.file, _core_paths)
	not lib.excepted("testing.logic_without_tests", f.file)
	msg := sprintf(
		"%s:%d: logic in a core path changed (%d lines added) but no test was added or changed. Add a test that covers the change.",
		[f.file, f.line, f.added],
	)
}

exception contains ["logic_without_tests"] if {
	input.kind == "changes"
	"logic_without_tests" in lib.excepted_rules("testing")
}
