package sentinel.risk_test

import data.sentinel.risk

_in(prompt_type, confidence, action, tags) := {
	"prompt_type": prompt_type,
	"confidence": confidence,
	"action": action,
	"session_tags": tags,
}

_fires(inp, level, row) if {
	r := risk.result with input as inp
	r.level == level
	r.row == row
}

test_r0_unknown_action_is_critical if {
	_fires(_in("question", "high", "delete_everything", []), "critical", "R0-invalid-input")
}

test_r0_missing_confidence_is_critical if {
	_fires({"prompt_type": "question", "action": "log_only"}, "critical", "R0-invalid-input")
}

test_r0_unknown_prompt_type_is_critical if {
	_fires(_in("chat", "high", "log_only", []), "critical", "R0-invalid-input")
}

test_r0_values_are_matched_exactly_without_case_folding if {
	_fires(_in("question", "high", "Log_Only", []), "critical", "R0-invalid-input")
	_fires(_in("question", "HIGH", "log_only", []), "critical", "R0-invalid-input")
	_fires(_in("question", "high", "log-only", []), "critical", "R0-invalid-input")
}

test_r0_non_string_value_is_critical if {
	_fires(_in("question", 1, "log_only", []), "critical", "R0-invalid-input")
}

test_r0_session_tags_not_an_array_of_strings_is_critical if {
	_fires(_in("question", "high", "log_only", "safe_session"), "critical", "R0-invalid-input")
	_fires(_in("question", "high", "log_only", [1]), "critical", "R0-invalid-input")
}

test_r0_is_not_lowered_by_safe_session if {
	_fires(_in("question", "high", "unknown", ["safe_session"]), "critical", "R0-invalid-input")
}

test_r0_gives_one_reason_per_invalid_field if {
	r := risk.result with input as {}
	count(r.reasons) == 3
}

test_missing_session_tags_mean_no_tags if {
	_fires({"prompt_type": "question", "confidence": "high", "action": "skip"}, "low", "R8-skip")
	_fires(_in("question", "high", "skip", null), "low", "R8-skip")
}

test_r1_execute_below_high_is_critical if {
	_fires(_in("question", "low", "execute", []), "critical", "R1-execute-below-high")
	_fires(_in("question", "medium", "execute", []), "critical", "R1-execute-below-high")
}

test_r2_destructive_confirm_is_critical_at_any_confidence if {
	_fires(_in("destructive_confirm", "high", "log_only", []), "critical", "R2-destructive-confirm")
	_fires(_in("destructive_confirm", "low", "skip", []), "critical", "R2-destructive-confirm")
}

test_r3_execute_with_high_confidence_is_high if {
	_fires(_in("instruction", "high", "execute", []), "high", "R3-execute-high")
}

test_r4_auto_respond_below_high_is_high if {
	_fires(_in("question", "low", "auto_respond", []), "high", "R4-auto-respond-below-high")
	_fires(_in("question", "medium", "auto_respond", []), "high", "R4-auto-respond-below-high")
}

test_r5_auto_respond_with_high_confidence_is_medium if {
	_fires(_in("question", "high", "auto_respond", []), "medium", "R5-auto-respond-high")
}

test_r6_require_human_below_medium_is_medium if {
	_fires(_in("confirm", "low", "require_human", []), "medium", "R6-require-human-below-medium")
}

test_r7_require_human_at_medium_or_above_is_low if {
	_fires(_in("confirm", "medium", "require_human", []), "low", "R7-require-human-medium-or-above")
	_fires(_in("confirm", "high", "require_human", []), "low", "R7-require-human-medium-or-above")
}

test_r8_skip_is_low if {
	_fires(_in("other", "low", "skip", []), "low", "R8-skip")
}

test_r9_log_only_is_none if {
	_fires(_in("other", "low", "log_only", []), "none", "R9-log-only")
}

test_highest_level_wins_and_first_row_of_that_level_is_reported if {
	r := risk.result with input as _in("destructive_confirm", "low", "execute", [])
	r.level == "critical"
	r.row == "R1-execute-below-high"
	r.reasons == [
		"R1-execute-below-high: action execute with confidence below high",
		"R2-destructive-confirm: prompt type destructive_confirm, at any confidence",
	]
}

test_s1_critical_session_raises_to_high if {
	r := risk.result with input as _in("question", "high", "log_only", ["critical_session"])
	r.level == "high"
	r.row == "R9-log-only"
	r.reasons[1] == "S1-critical-session-floor: session tag critical_session raises the level from none to high"
}

test_s1_critical_session_keeps_critical if {
	_fires(_in("question", "low", "execute", ["critical_session"]), "critical", "R1-execute-below-high")
}

test_s2_safe_session_lowers_to_medium if {
	r := risk.result with input as _in("destructive_confirm", "high", "skip", ["safe_session"])
	r.level == "medium"
	r.row == "R2-destructive-confirm"
	r.reasons[1] == "S2-safe-session-ceiling: session tag safe_session lowers the level from critical to medium"
}

test_s2_safe_session_keeps_lower_levels if {
	_fires(_in("question", "high", "log_only", ["safe_session"]), "none", "R9-log-only")
}

test_s3_with_both_tags_the_floor_wins if {
	_fires(_in("question", "high", "log_only", ["safe_session", "critical_session"]), "high", "R9-log-only")
	_fires(_in("question", "low", "execute", ["critical_session", "safe_session"]), "critical", "R1-execute-below-high")
}

test_unknown_session_tags_are_ignored if {
	_fires(_in("question", "high", "log_only", ["vip", "Critical_Session"]), "none", "R9-log-only")
}

test_every_valid_combination_has_exactly_one_result if {
	every p in risk.prompt_types {
		every c in risk.confidences {
			every a in risk.actions {
				r := risk.result with input as _in(p, c, a, [])
				r.level in {l | some l in risk.levels}
				r.row != "R0-invalid-input"
			}
		}
	}
}
