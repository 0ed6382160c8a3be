"""The request model rejects what a hostile caller could send; the response model is fixed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from sentinel.runtime.decision.models import Decision, DecisionRequest, Reason

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
