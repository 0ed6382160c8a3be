"""The request model rejects what a hostile caller could send; the response model is fixed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from sentinel.runtime.decision.models import (
    MAX_CONTEXT_BYTES,
    Decision,
    DecisionRequest,
    Reason,
    context_json_size,
)

VALID: dict[str, Any] = {
    "tenant": "acme",
    "subject": "alice",
    "action": "orders.read",
    "resource": "orders/1",
}


def _with(**changes: Any) -> dict[str, Any]:
    return {**VALID, **changes}


def test_a_minimal_request_is_valid_and_its_context_defaults_to_empty() -> None:
    request = DecisionRequest.model_validate(VALID)
    assert request.context == {}
    assert request.idempotency is False


def test_an_unknown_field_is_rejected() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        DecisionRequest.model_validate(_with(role="admin"))


def test_a_number_is_not_taken_for_a_string() -> None:
    with pytest.raises(ValidationError, match="subject"):
        DecisionRequest.model_validate(_with(subject=42))


def test_a_missing_field_is_rejected() -> None:
    with pytest.raises(ValidationError, match="action"):
        DecisionRequest.model_validate({"tenant": "acme", "subject": "alice", "resource": "r"})


@pytest.mark.parametrize("tenant", ["", "../etc", "a/b", "acme tenant", "a" * 129, ".hidden"])
def test_a_tenant_that_is_not_a_plain_id_is_rejected(tenant: str) -> None:
    with pytest.raises(ValidationError, match="tenant"):
        DecisionRequest.model_validate(_with(tenant=tenant))


def test_an_oversized_subject_is_rejected() -> None:
    with pytest.raises(ValidationError, match="subject"):
        DecisionRequest.model_validate(_with(subject="x" * 1025))


def test_malformed_json_is_rejected_with_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="Invalid JSON"):
        DecisionRequest.model_validate_json('{"tenant": "acme",')


def test_a_context_larger_than_64_kib_is_rejected() -> None:
    with pytest.raises(ValidationError, match="limit is 65536"):
        DecisionRequest.model_validate(_with(context={"blob": "x" * 70_000}))


def test_a_deeply_nested_context_is_rejected() -> None:
    nested: dict[str, Any] = {}
    for _ in range(40):
        nested = {"a": nested}
    with pytest.raises(ValidationError, match="deeper than 32"):
        DecisionRequest.model_validate(_with(context=nested))


def test_an_integer_past_two_to_the_53_is_rejected() -> None:
    with pytest.raises(ValidationError, match="2\\^53"):
        DecisionRequest.model_validate(_with(context={"n": 2**53}))


def test_infinity_in_context_is_rejected() -> None:
    with pytest.raises(ValidationError, match="finite"):
        DecisionRequest.model_validate_json(json.dumps(_with(context={"x": float("inf")})))


def test_a_reason_weight_must_be_an_integer_in_basis_points() -> None:
    with pytest.raises(ValidationError):
        Reason(rule="r", message="m", weight=10_001)
    with pytest.raises(ValidationError):
        Reason.model_validate({"rule": "r", "message": "m", "weight": 0.5})


def test_a_decision_serializes_its_fields_in_a_fixed_order() -> None:
    decision = Decision(
        decision="deny",
        score=300,
        reasons=[Reason(rule="r", message="m", weight=300)],
        warnings=[],
        policy_revision="rev",
        constitution_hash="hash",
        decision_id="id",
        evaluated_at="2026-01-01T00:00:00.000000Z",
    )
    assert decision.model_dump_json() == (
        '{"decision":"deny","score":300,"reasons":[{"rule":"r","message":"m","weight":300}],"warnings":[],'
        '"risk_level":null,"risk_row":null,"policy_revision":"rev","constitution_hash":"hash",'
        '"decision_id":"id","evaluated_at":"2026-01-01T00:00:00.000000Z"}'
    )


_JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_JSON_VALUES = st.recursive(
    _JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


@given(st.dictionaries(st.text(), _JSON_VALUES, max_size=6))
def test_the_context_size_is_exactly_the_utf8_length_of_its_compact_json(context: dict[str, Any]) -> None:
    expected = len(json.dumps(context, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    assert context_json_size(context) == expected


def test_a_context_of_exactly_64_kib_is_accepted_and_one_byte_more_is_rejected() -> None:
    filler = "\u00e9\n\"" * 100  # two-byte, escaped and quoted characters count as json.dumps writes them
    fixed = len(json.dumps({"a": filler, "b": ""}, ensure_ascii=False, separators=(",", ":")).encode())
    exact = {"a": filler, "b": "x" * (MAX_CONTEXT_BYTES - fixed)}
    assert DecisionRequest.model_validate(_with(context=exact)).context == exact
    with pytest.raises(ValidationError, match="limit is 65536"):
        DecisionRequest.model_validate(_with(context={**exact, "b": exact["b"] + "x"}))


def test_a_context_far_over_the_limit_is_rejected_before_it_is_all_walked() -> None:
    blob = ["x" * 1000] * 100 + [float("nan")]  # the size check fires before the NaN is reached
    with pytest.raises(ValidationError, match="limit is 65536"):
        DecisionRequest.model_validate(_with(context={"blob": blob}))


def test_a_context_string_with_a_lone_surrogate_is_rejected() -> None:
    with pytest.raises(ValidationError, match="lone surrogates"):
        DecisionRequest.model_validate(_with(context={"text": "a\ud800b"}))


def test_a_context_holding_a_tuple_is_rejected() -> None:
    with pytest.raises(ValidationError, match="not a JSON value"):
        DecisionRequest.model_validate(_with(context={"pair": (1, 2)}))
