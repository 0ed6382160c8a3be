package sentinel.protocol.proto_without_spec_and_tests

import data.sentinel.lib

_meta := {"rule": "protocol.proto_without_spec_and_tests"}

_spec_paths := lib.param("protocol", "spec_paths", ["docs/**", "spec/**", "specs/**"])

_test_paths := lib.param("protocol", "test_paths", [])

_protos := sort([f.file |
	input.kind == "changes"
	some f in input.files
	endswith(f.file, ".proto")
	not f.is_test
])

_spec_changed if {
	input.kind == "changes"
	some f in input.files
	not endswith(f.file, ".proto")
	lib.path_in(f.file, _spec_paths)
}

_tests_changed if {
	input.kind == "changes"
	some f in input.files
	f.is_test
}

_tests_changed if {
	input.kind == "changes"
	some f in input.files
	lib.path_in(f.file, _test_paths)
}

_missing contains sprintf("the spec (%s)", [concat(", ", _spec_paths)]) if {
	count(_protos) > 0
	not _spec_changed
}

_missing contains "a test" if {
	count(_protos) > 0
	not _tests_changed
}

# METADATA
# title: .proto changes come with their spec and tests
# description: >-
#   A change to a .proto file (added, modified, renamed or deleted; test fixtures aside) must come
#   with a change under spec_paths (the written protocol) and a changed or added test (a test
#   file, or a file under test_paths). Reads the changes document, so it needs a base revision.
# custom:
#   id: protocol.proto_without_spec_and_tests
#   severity: medium
#   input: changes
#   data:
#     - sentinel.params.protocol.spec_paths
#     - sentinel.params.protocol.test_paths
#   fix: >-
#     Update the protocol spec and add or change a test in the same change as the .proto file.
deny_proto_without_spec_and_tests contains lib.finding(_meta, msg, first, 1) if {
	count(_protos) > 0
	count(_missing) > 0
	first := _protos[0]
	not lib.excepted("protocol.proto_without_spec_and_tests", first)
	msg := sprintf(
		".proto files changed (%s) without a change to %s. Update the spec and the tests in the same change.",
		[concat(", ", _protos), concat(" or ", sort(_missing))],
	)
}

exception contains ["proto_without_spec_and_tests"] if {
	input.kind == "changes"
	"proto_without_spec_and_tests" in lib.excepted_rules("protocol")
}
