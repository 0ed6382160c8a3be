"""Deny values become reasons and an integer score in basis points."""

from __future__ import annotations

import pytest

from sentinel.runtime.decision.models import Reason
from sentinel.runtime.decision.scoring import MalformedReasons, reasons_from, score


def test_a_string_reason_has_weight_zero_and_the_rule_name() -> None:
    assert reasons_from(["no"], "deny") == [Reason(rule="deny", message="no", weight=0)]


def test_an_object_reason_keeps_its_rule_message_and_weight() -> None:
    value = [{"rule": "r1", "message": "m", "weight": 2500}]
    assert reasons_from(value, "deny") == [Reason(rule="r1", message="m", weight=2500)]


def test_conftest_msg_is_read_as_the_message() -> None:
    assert reasons_from([{"msg": "m"}], "deny") == [Reason(rule="deny", message="m", weight=0)]


def test_a_weight_above_10000_is_clamped_to_10000() -> None:
    assert reasons_from([{"message": "m", "weight": 99_999}], "deny")[0].weight == 10_000


def test_a_negative_weight_is_clamped_to_zero() -> None:
    assert reasons_from([{"message": "m", "weight": -5}], "deny")[0].weight == 0


def test_the_score_is_the_sum_of_weights_clamped_to_10000() -> None:
    reasons = reasons_from(
        [{"rule": "a", "message": "m", "weight": 6000}, {"rule": "b", "message": "m", "weight": 7000}], "deny"
    )
    assert score(reasons) == 10_000
    assert score(reasons[:1]) == 6000


@pytest.mark.parametrize("weight", [0.5, 300.0, "300", True, None])
def test_a_weight_that_is_not_an_integer_makes_the_value_malformed(weight: object) -> None:
    with pytest.raises(MalformedReasons, match="weight"):
        reasons_from([{"message": "m", "weight": weight}], "deny")


def test_an_object_without_a_string_message_is_malformed() -> None:
    with pytest.raises(MalformedReasons, match="message"):
        reasons_from([{"rule": "r", "weight": 1}], "deny")


def test_a_value_that_is_not_a_set_is_malformed() -> None:
    with pytest.raises(MalformedReasons, match="not a set"):
        reasons_from(True, "deny")


def test_reasons_are_sorted_and_deduplicated() -> None:
    value = [{"rule": "b", "message": "m"}, "z", {"rule": "b", "message": "m"}, {"rule": "a", "message": "m"}]
    assert [r.rule for r in reasons_from(value, "deny")] == ["a", "b", "deny"]
