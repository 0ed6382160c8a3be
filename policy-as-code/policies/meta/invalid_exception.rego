package sentinel.meta.invalid_exception

import data.sentinel.lib

_meta := {"rule": "meta.invalid_exception"}

_max_days := lib.param("meta", "max_exception_days", 180)

_problem contains [index, "it has no rule id (<category>.<rule>)"] if {
	some index, entry in lib.exception_entries
	not _rule_id(entry)
}

_problem contains [index, "it has no reason"] if {
	some index, entry in lib.exception_entries
	not lib.has_reason(entry)
}

_problem contains [index, "it has no expiry date (expires: YYYY-MM-DD)"] if {
	some index, entry in lib.exception_entries
	not entry.expires
}

_problem contains [index, sprintf("its expiry date %v is not a date (YYYY-MM-DD or RFC 3339)", [entry.expires])] if {
	some index, entry in lib.exception_entries
	entry.expires
	not lib.valid_date(entry.expires)
}

_problem contains [index, sprintf("it expired on %v", [entry.expires])] if {
	some index, entry in lib.exception_entries
	lib.expired(entry.expires)
}

_problem contains [index, msg] if {
	some index, entry in lib.exception_entries
	lib.expiry_ns(entry.expires) > time.now_ns() + ((((_max_days * 24) * 3600) * 1000) * 1000000)
	msg := sprintf("its expiry date %v is more than %v days ahead", [entry.expires, _max_days])
}

_problem contains [index, "its paths must be a list of globs"] if {
	some index, entry in lib.exception_entries
	entry.paths
	not _string_list(entry.paths)
}

_rule_id(entry) if {
	is_string(entry.rule)
	regex.match(`^[a-z_]+\.[a-z0-9_]+$`, entry.rule)
}

_string_list(value) if {
	is_array(value)
	every item in value {
		is_string(item)
	}
}

_describe(entry) := sprintf("exception for %v", [entry.rule]) if is_string(entry.rule)

_describe(entry) := "exception without a rule id" if not is_string(entry.rule)

# METADATA
# title: Exceptions need a reason and a live expiry date
# description: >-
#   Every entry of data.sentinel.exceptions must name a rule id, give a reason and an expiry date
#   (YYYY-MM-DD or RFC 3339) that has not passed and lies at most max_exception_days ahead. An
#   entry that fails this does not silence anything.
# custom:
#   id: meta.invalid_exception
#   severity: high
#   input: files
#   data:
#     - sentinel.exceptions
#     - sentinel.params.meta.max_exception_days
#   fix: >-
#     Give the exception a reason and an expiry date (YYYY-MM-DD) within the allowed window, renew
#     it, or fix the finding and delete the exception.
deny_invalid_exception contains lib.finding_nowhere(_meta, msg) if {
	input.kind == "files"
	some index, entry in lib.exception_entries
	problems := [pair[1] | some pair in _problem; pair[0] == index]
	count(problems) > 0
	msg := sprintf(
		"data.sentinel.exceptions[%d] (%s) is not valid: %s. Exceptions need a reason and an expiry date; fix or remove it.",
		[index, _describe(entry), concat("; ", sort(problems))],
	)
}
