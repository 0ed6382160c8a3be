package sentinel.meta.unscanned_file_test

import data.sentinel.meta.unscanned_file as rule

_doc(kind, problems) := {"kind": kind, "schema_version": 1, "root": ".", "revision": null, "problems": problems}

_too_large := {"file": "dump.sql", "line": null, "code": "too_large", "message": "file is 2000000 bytes, over the 1000000-byte limit; skipped"}

_syntax := {"file": "app/views.py", "line": 7, "code": "syntax", "message": "invalid syntax"}

test_a_document_without_problems_passes if {
	count(rule.deny_unscanned_file) == 0 with input as _doc("imports", [])
	count(rule.warn_unscanned_file) == 0 with input as _doc("imports", [])
}

test_every_problem_is_denied_with_its_file_and_line if {
	findings := rule.deny_unscanned_file with input as _doc("imports", [_too_large, _syntax])
	count(findings) == 2
	some f in findings
	f.rule == "meta.unscanned_file"
	f._loc == {"file": "app/views.py", "line": 7}
	startswith(f.msg, "the imports extractor could not read this file fully (syntax: invalid syntax)")
	not contains(f.msg, "app/views.py")
}

test_a_problem_without_a_line_points_at_the_file if {
	findings := rule.deny_unscanned_file with input as _doc("secrets", [_too_large])
	some f in findings
	f._loc == {"file": "dump.sql", "line": 0}
	startswith(f.msg, "the secrets extractor")
	not contains(f.msg, "dump.sql")
	contains(f.msg, "too_large")
}

test_problems_of_any_kind_are_reported if {
	every kind in ["files", "todos", "coverage", "a_future_kind"] {
		count(rule.deny_unscanned_file) == 1 with input as _doc(kind, [_syntax])
	}
}

test_level_warn_turns_the_denial_into_a_warning if {
	count(rule.deny_unscanned_file) == 0 with input as _doc("imports", [_syntax])
		with data.sentinel.params.meta.unscanned_file.level as "warn"
	warnings := rule.warn_unscanned_file with input as _doc("imports", [_syntax])
		with data.sentinel.params.meta.unscanned_file.level as "warn"
	some w in warnings
	w.rule == "meta.unscanned_file"
}

test_an_unknown_level_still_denies if {
	count(rule.deny_unscanned_file) == 1 with input as _doc("imports", [_syntax])
		with data.sentinel.params.meta.unscanned_file.level as "off"
}

test_a_path_exception_silences_the_file if {
	exceptions := [{"rule": "meta.unscanned_file", "paths": ["dump.sql"], "reason": "generated dump", "expires": "2099-01-01"}]
	findings := rule.deny_unscanned_file with input as _doc("imports", [_too_large, _syntax])
		with data.sentinel.exceptions as exceptions
	count(findings) == 1
	some f in findings
	f._loc.file == "app/views.py"
}

test_input_that_is_not_a_sentinel_document_is_ignored if {
	count(rule.deny_unscanned_file) == 0 with input as {"problems": [_syntax]}
	count(rule.deny_unscanned_file) == 0 with input as {"kind": "deployment", "problems": [_syntax]}
}
