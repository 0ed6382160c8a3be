"""One test per row of the risk table (docs/runtime.md, "Risk classification"), through the Python API."""

from __future__ import annotations

from sentinel.runtime.risk import RiskClassifier, RiskLevel


def _fires(classifier: RiskClassifier, level: RiskLevel, row: str, *args: object) -> None:
    result = classifier.classify(*args)  # type: ignore[arg-type]
    assert (result.level, result.row) == (level, row), result


def test_r0_unknown_action_is_critical(classifier: RiskClassifier) -> None:
    _fires(classifier, RiskLevel.CRITICAL, "R0-invalid-input", "question", "high", "delete_all", [])


def test_r0_missing_confidence_is_critical(classifier: RiskClassifier) -> None:
    _fires(classifier, RiskLevel.CRITICAL, "R0-invalid-input", "question", None, "log_only", [])


def test_r0_unknown_prompt_type_is_critical(classifier: RiskClassifier) -> None:
    _fires(classifier, RiskLevel.CRITICAL, "R0-invalid-input", "chat", "high", "log_only", [])


def test_r0_other_case_or_spelling_is_critical(classifier: RiskClassifier) -> None:
    for args in [
        ("question", "high", "Log_Only"),
        ("question", "High", "log_only"),
        ("question", "high", "log-only"),
        ("question", "high", " log_only"),
        ("Question", "high", "log_only"),
    ]:
        _fires(classifier, RiskLevel.CRITICAL, "R0-invalid-input", *args, [])


def test_r0_says_which_field_is_invalid(classifier: RiskClassifier) -> None:
    result = classifier.classify("question", "certain", "skip", [])
    assert result.reasons == ("R0-invalid-input: confidence is missing or not one of low, medium, high",)


def test_r0_is_not_lowered_by_safe_session(classifier: RiskClassifier) -> None:
    _fires(classifier, RiskLevel.CRITICAL, "R0-invalid-input", "question", "high", "nope", ["safe_session"])


def test_r0_session_tags_given_as_one_string_is_critical(classifier: RiskClassifier) -> None:
    _fires(classifier, RiskLevel.CRITICAL, "R0-invalid-input", "question", "high", "skip", "safe_session")


def test_r1_execute_below_high_confidence_is_critical(classifier: RiskClassifier) -> None:
    _fires(classifier, RiskLevel.CRITICAL, "R1-execute-below-high", "question", "low", "execute", [])
    _fires(classifier, RiskLevel.CRITICAL, "R1-execute-below-high", "question", "medium", "execute", [])


def test_r2_destructive_confirm_is_critical_at_any_confidence(classifier: RiskClassifier) -> None:
    for confidence in ("low", "medium", "high"):
        _fires(
            classifier,
            RiskLevel.CRITICAL,
            "R2-destructive-confirm",
            "destructive_confirm",
            confidence,
            "log_only",
            [],
        )


def test_r3_execute_with_high_confidence_is_high(classifier: RiskClassifier) -> None:
    _fires(classifier, RiskLevel.HIGH, "R3-execute-high", "instruction", "high", "execute", [])


def test_r4_auto_respond_below_high_confidence_is_high(classifier: RiskClassifier) -> None:
    _fires(classifier, RiskLevel.HIGH, "R4-auto-respond-below-high", "question", "low", "auto_respond", [])
    _fires(classifier, RiskLevel.HIGH, "R4-auto-respond-below-high", "question", "medium", "auto_respond", [])


def test_r5_auto_respond_with_high_confidence_is_medium(classifier: RiskClassifier) -> None:
    _fires(classifier, RiskLevel.MEDIUM, "R5-auto-respond-high", "question", "high", "auto_respond", [])


def test_r6_require_human_below_medium_confidence_is_medium(classifier: RiskClassifier) -> None:
    _fires(
        classifier, RiskLevel.MEDIUM, "R6-require-human-below-medium", "confirm", "low", "require_human", []
    )


def test_r7_require_human_at_medium_confidence_or_above_is_low(classifier: RiskClassifier) -> None:
    row = "R7-require-human-medium-or-above"
    _fires(classifier, RiskLevel.LOW, row, "confirm", "medium", "require_human", [])
    _fires(classifier, RiskLevel.LOW, row, "confirm", "high", "require_human", [])


def test_r8_skip_is_low(classifier: RiskClassifier) -> None:
    _fires(classifier, RiskLevel.LOW, "R8-skip", "other", "low", "skip", [])


def test_r9_log_only_is_none(classifier: RiskClassifier) -> None:
    _fires(classifier, RiskLevel.NONE, "R9-log-only", "other", "low", "log_only", [])


def test_several_matching_rows_take_the_highest_level(classifier: RiskClassifier) -> None:
    _fires(
        classifier,
        RiskLevel.CRITICAL,
        "R2-destructive-confirm",
        "destructive_confirm",
        "high",
        "log_only",
        [],
    )


def test_rows_of_equal_level_report_the_first_in_table_order_and_both_reasons(
    classifier: RiskClassifier,
) -> None:
    result = classifier.classify("destructive_confirm", "low", "execute", [])
    assert result.row == "R1-execute-below-high"
    assert result.reasons == (
        "R1-execute-below-high: action execute with confidence below high",
        "R2-destructive-confirm: prompt type destructive_confirm, at any confidence",
    )


def test_s1_critical_session_raises_the_level_to_high(classifier: RiskClassifier) -> None:
    result = classifier.classify("question", "high", "log_only", ["critical_session"])
    assert (result.level, result.row) == (RiskLevel.HIGH, "R9-log-only")
    assert result.reasons[-1] == (
        "S1-critical-session-floor: session tag critical_session raises the level from none to high"
    )


def test_s1_critical_session_keeps_critical(classifier: RiskClassifier) -> None:
    _fires(
        classifier,
        RiskLevel.CRITICAL,
        "R1-execute-below-high",
        "question",
        "low",
        "execute",
        ["critical_session"],
    )


def test_s2_safe_session_lowers_the_level_to_medium(classifier: RiskClassifier) -> None:
    result = classifier.classify("destructive_confirm", "high", "skip", ["safe_session"])
    assert (result.level, result.row) == (RiskLevel.MEDIUM, "R2-destructive-confirm")
    assert result.reasons[-1] == (
        "S2-safe-session-ceiling: session tag safe_session lowers the level from critical to medium"
    )


def test_s2_safe_session_keeps_lower_levels(classifier: RiskClassifier) -> None:
    _fires(classifier, RiskLevel.NONE, "R9-log-only", "question", "high", "log_only", ["safe_session"])


def test_s3_with_both_session_tags_the_floor_wins(classifier: RiskClassifier) -> None:
    result = classifier.classify("question", "high", "log_only", ["safe_session", "critical_session"])
    assert result.level == RiskLevel.HIGH
    assert "S3-floor-wins: session tag safe_session is ignored because critical_session is present" in (
        result.reasons
    )


def test_s3_both_session_tags_keep_critical(classifier: RiskClassifier) -> None:
    _fires(
        classifier,
        RiskLevel.CRITICAL,
        "R2-destructive-confirm",
        "destructive_confirm",
        "high",
        "skip",
        ["safe_session", "critical_session"],
    )


def test_unknown_or_misspelt_session_tags_are_ignored(classifier: RiskClassifier) -> None:
    _fires(
        classifier, RiskLevel.NONE, "R9-log-only", "question", "high", "log_only", ["vip", "Critical_Session"]
    )


def test_missing_session_tags_mean_no_tags(classifier: RiskClassifier) -> None:
    _fires(classifier, RiskLevel.LOW, "R8-skip", "question", "high", "skip", None)
    assert classifier.classify_request_context(
        {"risk": {"prompt_type": "question", "confidence": "high", "action": "skip"}}
    ) == classifier.classify("question", "high", "skip", [])
