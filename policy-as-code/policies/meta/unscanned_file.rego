package sentinel.meta.unscanned_file

import data.sentinel.lib

_meta := {"rule": "meta.unscanned_file"}

# deny (the default) or warn; any other value denies, so a typo cannot switch the rule off.
_level := object.get(lib.param("meta", "unscanned_file", {}), "level", "deny")

_warn_only if _level == "warn"

# Every problem an extractor recorded: a file it could not read or parse fully, so the rules of
# its kind did not see (all of) it. Each input document reports its own problems; the same file
# skipped by two kinds is two findings, one per kind whose rules missed it.
_unscanned contains [p, msg] if {
	is_string(input.kind)
	input.schema_version
	some p in input.problems
	is_string(p.file)
	not lib.excepted("meta.unscanned_file", p.file)
	msg := sprintf(
		"the %s extractor could not read this file fully (%s: %s), so the %s rules did not check it. Make it parseable UTF-8 text without NUL bytes under extract.max_file_bytes, or exclude it.",
		[input.kind, object.get(p, "code", "unreadable"), object.get(p, "message", ""), input.kind],
	)
}

_line(p) := p.line if is_number(p.line)

_line(p) := 0 if not is_number(object.get(p, "line", null))

# METADATA
# title: Every file is read fully
# description: >-
#   A problem in any input document (a file over extract.max_file_bytes, with NUL bytes or
#   invalid UTF-8, one that does not parse, a baseline or report that cannot be used) means the
#   rules of that kind did not see the file, so a finding could hide in it. Each problem is denied
#   with the file and line; with data.sentinel.params.meta.unscanned_file.level set to warn, it
#   is a warning instead.
# custom:
#   id: meta.unscanned_file
#   severity: high
#   input: any
#   data:
#     - sentinel.params.meta.unscanned_file.level
#   fix: >-
#     Make the file readable source (valid UTF-8, no NUL bytes, under extract.max_file_bytes,
#     parseable), or exclude it in extract.exclude or with a meta.unscanned_file exception if no
#     rule needs to read it.
deny_unscanned_file contains lib.finding(_meta, hit[1], hit[0].file, _line(hit[0])) if {
	not _warn_only
	some hit in _unscanned
}

# METADATA
# title: Every file is read fully
# description: >-
#   The same check as deny_unscanned_file when data.sentinel.params.meta.unscanned_file.level is
#   warn.
# custom:
#   id: meta.unscanned_file
#   severity: medium
#   input: any
#   data:
#     - sentinel.params.meta.unscanned_file.level
#   fix: >-
#     Make the file readable source (valid UTF-8, no NUL bytes, under extract.max_file_bytes,
#     parseable), or exclude it in extract.exclude or with a meta.unscanned_file exception if no
#     rule needs to read it.
warn_unscanned_file contains lib.finding(_meta, hit[1], hit[0].file, _line(hit[0])) if {
	_warn_only
	some hit in _unscanned
}

exception contains ["unscanned_file"] if {
	is_string(input.kind)
	"unscanned_file" in lib.excepted_rules("meta")
}
