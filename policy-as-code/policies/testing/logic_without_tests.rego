package sentinel.testing.logic_without_tests

import data.sentinel.lib

_meta := {"rule": "testing.logic_without_tests"}

_core_paths := object.get(lib.params("core"), "paths", [])

_extensions := lib.param("testing", "logic_extensions", [".py", ".go", ".rs", ".ts", ".tsx", ".js", ".jsx", ".ex", ".exs"])

# The test files that cover a changed file: they import it, sit at its mirrored test path or are
# the file itself (Rust inline tests), as the changes extractor found them; existing or changed.
_covered(f) if {
	some t in object.get(f, "tested_by", [])
	t.file != ""
}

# METADATA
# title: Logic in core paths changes with a test
# description: >-
#   A source file under the core paths (data.sentinel.params.core.paths) that gains lines in a
#   change (added, modified, renamed or copied; not a test itself) needs a test of its own: a test
#   file, changed or existing, that imports it or sits at its mirrored test path (app/x.py and
#   tests/test_x.py, x_test.go beside x.go, crate/tests/x.rs), or, in Rust, tests in the file
#   itself. A test of some other module elsewhere in the change does not count. The changes
#   extractor lists these test files per changed file (tested_by). Source files are recognised by
#   logic_extensions.
# custom:
#   id: testing.logic_without_tests
#   severity: high
#   input: changes
#   data:
#     - sentinel.params.core.paths
#     - sentinel.params.testing.logic_extensions
#   requires:
#     - sentinel.params.core.paths
#   fix: Add a test that imports the changed module or sits at its mirrored test path.
deny_logic_without_tests contains lib.finding(_meta, msg, f.file, f.line) if {
	input.kind == "changes"
	some f in input.files
	not f.is_test
	f.status != "D"
	f.added > 0
	strings.any_suffix_match(f.file, _extensions)
	lib.path_in(f.file, _core_paths)
	not _covered(f)
	not lib.excepted("testing.logic_without_tests", f.file)
	msg := sprintf(
		"logic in a core path changed (%d lines added) but no test imports it or sits at its mirrored test path. Add a test for this module.",
		[f.added],
	)
}

exception contains ["logic_without_tests"] if {
	input.kind == "changes"
	"logic_without_tests" in lib.excepted_rules("testing")
}
