package sentinel.testing.coverage_drop

import data.sentinel.lib

_meta := {"rule": "testing.coverage_drop"}

_coverage := lib.param("testing", "coverage", {})

_max_drop := object.get(_coverage, "max_drop", 0.5)

# METADATA
# title: Total coverage does not drop beyond the tolerance
# description: >-
#   With a coverage baseline, the total line coverage may fall below it by at most max_drop
#   percentage points.
# custom:
#   id: testing.coverage_drop
#   severity: high
#   input: coverage
#   data:
#     - sentinel.params.testing.coverage.max_drop
#   fix: >-
#     Add tests for the uncovered code, or update the baseline in the same change if the drop is
#     intended.
deny_coverage_drop contains lib.finding(_meta, msg, input.baseline.file, input.baseline.line) if {
	input.kind == "coverage"
	is_number(input.baseline.delta)
	0 - input.baseline.delta > _max_drop
	not lib.excepted("testing.coverage_drop", input.baseline.file)
	msg := sprintf(
		"total line coverage is %v%%, %v points below the baseline %v%% (tolerance %v). Cover the new code or update the baseline.",
		[input.totals.percent, 0 - input.baseline.delta, input.baseline.total_percent, _max_drop],
	)
}

exception contains ["coverage_drop"] if {
	input.kind == "coverage"
	"coverage_drop" in lib.excepted_rules("testing")
}
