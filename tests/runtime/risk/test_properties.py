"""Properties of the risk table over generated inputs (hypothesis; profile in tests/conftest.py)."""

from __future__ import annotations

import pytest
import regorus
from hypothesis import given
from hypothesis import strategies as st

from sentinel.runtime.risk import RiskClassifier, RiskLevel
from tests.runtime.risk.domain import (
    ACTIONS,
    CONFIDENCES,
    KNOWN_TAGS,
    POLICY,
    PROMPT_TYPES,
    valid_combinations,
)

prompt_types = st.sampled_from(PROMPT_TYPES)
confidences = st.sampled_from(CONFIDENCES)
actions = st.sampled_from(ACTIONS)
tag_lists = st.lists(st.sampled_from((*KNOWN_TAGS, "Critical_Session", "x")), max_size=5)
# Any value a request may carry in a field: strings (known or not), other JSON values, nothing.
any_values = st.one_of(
    st.sampled_from((*PROMPT_TYPES, *CONFIDENCES, *ACTIONS)),
    st.text(max_size=20),
    st.none(),
    st.integers(),
    st.booleans(),
    st.lists(st.text(max_size=5), max_size=3),
)


@pytest.fixture(scope="module")
def second_classifier() -> RiskClassifier:
    """Another compilation of the same table, as another process or a restart would have."""
    return RiskClassifier.from_library()


@given(p=any_values, c=any_values, a=any_values, tags=tag_lists)
def test_every_input_maps_to_exactly_one_level_identically_across_runs(
    classifier: RiskClassifier,
    second_classifier: RiskClassifier,
    p: object,
    c: object,
    a: object,
    tags: list[str],
) -> None:
    first = classifier.classify(p, c, a, tags)
    again = second_classifier.classify(p, c, a, tags)
    assert isinstance(first.level, RiskLevel)
    assert first == again == classifier.classify(p, c, a, tags)


@given(p=any_values, c=any_values, a=any_values, tags=tag_lists)
def test_an_input_outside_the_vocabulary_is_critical(
    classifier: RiskClassifier, p: object, c: object, a: object, tags: list[str]
) -> None:
    valid = p in PROMPT_TYPES and c in CONFIDENCES and a in ACTIONS
    result = classifier.classify(p, c, a, tags)
    if not valid:
        assert (result.level, result.row) == (RiskLevel.CRITICAL, "R0-invalid-input")
    else:
        assert result.row.startswith(("R1-", "R2-", "R3-", "R4-", "R5-", "R6-", "R7-", "R8-", "R9-"))


@given(p=prompt_types, a=actions, tags=tag_lists, low=confidences, high=confidences)
def test_lowering_confidence_never_lowers_risk(
    classifier: RiskClassifier, p: str, a: str, tags: list[str], low: str, high: str
) -> None:
    if CONFIDENCES.index(low) > CONFIDENCES.index(high):
        low, high = high, low
    assert classifier.classify(p, low, a, tags).level >= classifier.classify(p, high, a, tags).level


@given(p=prompt_types, c=confidences, a=actions, tags=tag_lists, tag=st.sampled_from(KNOWN_TAGS[:2]))
def test_floor_and_ceiling_are_idempotent(
    classifier: RiskClassifier, p: str, c: str, a: str, tags: list[str], tag: str
) -> None:
    once = classifier.classify(p, c, a, [*tags, tag])
    assert classifier.classify(p, c, a, [*tags, tag, tag]) == once
    assert classifier.classify(p, c, a, [tag, *tags, tag]).level == once.level


@given(p=prompt_types, c=confidences, a=actions)
def test_floor_is_max_with_high_and_ceiling_is_min_with_medium(
    classifier: RiskClassifier, p: str, c: str, a: str
) -> None:
    base = classifier.classify(p, c, a, []).level
    assert classifier.classify(p, c, a, ["critical_session"]).level == max(base, RiskLevel.HIGH)
    assert classifier.classify(p, c, a, ["safe_session"]).level == min(base, RiskLevel.MEDIUM)


@given(p=any_values, c=any_values, a=any_values, tags=tag_lists)
def test_a_critical_session_is_always_at_least_high(
    classifier: RiskClassifier, p: object, c: object, a: object, tags: list[str]
) -> None:
    assert classifier.classify(p, c, a, [*tags, "critical_session"]).level >= RiskLevel.HIGH


@given(p=any_values, c=any_values, a=any_values, tags=tag_lists)
def test_with_both_session_tags_the_floor_wins(
    classifier: RiskClassifier, p: object, c: object, a: object, tags: list[str]
) -> None:
    both = classifier.classify(p, c, a, [*tags, "safe_session", "critical_session"]).level
    without_safe = [t for t in tags if t != "safe_session"]
    assert both == classifier.classify(p, c, a, [*without_safe, "critical_session"]).level


def test_every_row_of_the_table_fires_for_some_valid_input(classifier: RiskClassifier) -> None:
    engine = regorus.Engine()
    engine.add_policy_from_file(str(POLICY))
    row_ids = {row["id"] for row in engine.eval_rule("data.sentinel.risk.rows")}
    fired = {classifier.classify(p, c, a, []).row for p, c, a in valid_combinations()}
    assert fired == row_ids


def test_every_valid_combination_gets_a_table_row(classifier: RiskClassifier) -> None:
    rows = {classifier.classify(p, c, a, []).row for p, c, a in valid_combinations()}
    assert "R0-invalid-input" not in rows
    assert "E1-evaluation-error" not in rows
