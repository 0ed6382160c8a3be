package sentinel.protocol.proto_without_spec_and_tests_test

import data.sentinel.protocol.proto_without_spec_and_tests as rule

_file(path, is_test) := {
	"file": path,
	"line": 1,
	"status": "M",
	"old_path": null,
	"added_lines": [1],
	"added": 1,
	"removed": 0,
	"binary": false,
	"is_test": is_test,
}

_doc(files) := {"kind": "changes", "compared": true, "files": files}

_findings(doc) := f if {
	f := rule.deny_proto_without_spec_and_tests with input as doc
		with data.sentinel.params.protocol.spec_paths as ["docs/api/**"]
		with data.sentinel.params.protocol.test_paths as []
}

test_proto_change_alone_is_denied if {
	findings := _findings(_doc([_file("api/user.proto", false)]))
	count(findings) == 1
	some f in findings
	f.rule == "protocol.proto_without_spec_and_tests"
	f._loc.file == "api/user.proto"
	contains(f.msg, "without a change to a test or the spec (docs/api/**)")
}

test_proto_change_with_spec_and_test_passes if {
	files := [_file("api/user.proto", false), _file("docs/api/user.md", false), _file("tests/test_user.py", true)]
	count(_findings(_doc(files))) == 0
}

test_proto_change_with_spec_but_no_test_is_denied if {
	findings := _findings(_doc([_file("api/user.proto", false), _file("docs/api/user.md", false)]))
	some f in findings
	contains(f.msg, "without a change to a test")
}

test_spec_paths_in_data_decide_the_verdict if {
	files := [_file("api/user.proto", false), _file("spec/user.md", false), _file("tests/test_user.py", true)]
	count(_findings(_doc(files))) == 1
	count(rule.deny_proto_without_spec_and_tests) == 0 with input as _doc(files)
		with data.sentinel.params.protocol.spec_paths as ["spec/**"]
}

test_test_paths_in_data_count_as_tests if {
	files := [_file("api/user.proto", false), _file("docs/api/user.md", false), _file("contract/user_cases.yaml", false)]
	count(_findings(_doc(files))) == 1
	count(rule.deny_proto_without_spec_and_tests) == 0 with input as _doc(files)
		with data.sentinel.params.protocol.spec_paths as ["docs/api/**"]
		with data.sentinel.params.protocol.test_paths as ["contract/**"]
}

test_changes_without_proto_files_pass if {
	count(_findings(_doc([_file("app/main.py", false)]))) == 0
}

test_proto_fixture_under_tests_does_not_count if {
	count(_findings(_doc([_file("tests/fixtures/a.proto", true)]))) == 0
}
