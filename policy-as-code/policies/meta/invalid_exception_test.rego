package sentinel.meta.invalid_exception_test

import data.sentinel.meta.invalid_exception as rule

# 2026-01-01T00:00:00Z
_now := 1767225600000000000

_findings(exceptions) := f if {
	f := rule.deny_invalid_exception with input as {"kind": "files"}
		with data.sentinel.exceptions as exceptions
		with data.sentinel.params.meta.max_exception_days as 90
		with time.now_ns as _now
}

_valid := {"rule": "architecture.layers", "paths": ["app/**"], "reason": "migration in progress", "expires": "2026-02-01"}

test_exception_with_reason_and_near_expiry_passes if {
	count(_findings([_valid])) == 0
}

test_exception_without_reason_is_denied if {
	findings := _findings([object.remove(_valid, ["reason"])])
	count(findings) == 1
	some f in findings
	f.rule == "meta.invalid_exception"
	contains(f.msg, "it has no reason")
}

test_exception_with_blank_reason_is_denied if {
	count(_findings([object.union(_valid, {"reason": "  "})])) == 1
}

test_exception_without_expiry_is_denied if {
	findings := _findings([object.remove(_valid, ["expires"])])
	some f in findings
	contains(f.msg, "no expiry date")
}

test_expired_exception_is_denied if {
	findings := _findings([object.union(_valid, {"expires": "2025-12-31"})])
	some f in findings
	contains(f.msg, "expired on 2025-12-31")
}

test_exception_expiring_today_is_still_valid if {
	count(_findings([object.union(_valid, {"expires": "2026-01-01"})])) == 0
}

test_malformed_expiry_is_denied if {
	findings := _findings([object.union(_valid, {"expires": "next spring"})])
	some f in findings
	contains(f.msg, "is not a date")
}

test_rfc3339_expiry_is_accepted if {
	count(_findings([object.union(_valid, {"expires": "2026-01-15T12:00:00Z"})])) == 0
}

test_expiry_beyond_the_window_is_denied if {
	findings := _findings([object.union(_valid, {"expires": "2026-06-01"})])
	some f in findings
	contains(f.msg, "more than 90 days ahead")
}

test_max_exception_days_in_data_decides_the_window if {
	far := [object.union(_valid, {"expires": "2026-06-01"})]
	count(rule.deny_invalid_exception) == 0 with input as {"kind": "files"}
		with data.sentinel.exceptions as far
		with data.sentinel.params.meta.max_exception_days as 365
		with time.now_ns as _now
}

test_exception_without_rule_id_is_denied if {
	findings := _findings([object.union(_valid, {"rule": "layers"})])
	some f in findings
	contains(f.msg, "no rule id")
}

test_paths_must_be_a_list if {
	findings := _findings([object.union(_valid, {"paths": "app/**"})])
	some f in findings
	contains(f.msg, "paths must be a list")
}

test_only_the_files_document_reports if {
	count(rule.deny_invalid_exception) == 0 with input as {"kind": "imports"}
		with data.sentinel.exceptions as [object.remove(_valid, ["reason"])]
}
