package sentinel.testing.changed_line_coverage

import data.sentinel.lib

_meta := {"rule": "testing.changed_line_coverage"}

_coverage := lib.param("testing", "coverage", {})

_minimum := object.get(_coverage, "changed_lines_min", 80)

_shown(lines) := concat(", ", [sprintf("%d", [n]) | some n in array.slice(lines, 0, 20)])

# METADATA
# title: Changed lines are covered
# description: >-
#   With a base revision, the coverage of the changed lines (diff-cover's measure: added lines that
#   a report measured) must reach changed_lines_min percent. Each changed file with uncovered
#   changed lines is reported with those lines.
# custom:
#   id: testing.changed_line_coverage
#   severity: high
#   input: coverage
#   data:
#     - sentinel.params.testing.coverage.changed_lines_min
#   fix: >-
#     Add tests that run the changed lines listed in the message.
deny_changed_line_coverage contains lib.finding(_meta, msg, f.file, f.line) if {
	input.kind == "coverage"
	is_number(input.changed.percent)
	input.changed.percent < _minimum
	some f in input.changed.files
	f.missed > 0
	not lib.excepted("testing.changed_line_coverage", f.file)
	msg := sprintf(
		"%d of %d measured changed lines are not covered (lines %s); changed-line coverage is %v%%, below %v%%. Add tests that run them.",
		[f.missed, f.measured, _shown(f.missed_lines), input.changed.percent, _minimum],
	)
}

exception contains ["changed_line_coverage"] if {
	input.kind == "coverage"
	"changed_line_coverage" in lib.excepted_rules("testing")
}
