"""The decision policy shipped in the library (runtime/decision), loaded as a service loads it."""

from __future__ import annotations

from pathlib import Path

from sentinel.library import library_dir
from sentinel.runtime.decision import Decider, DecisionRequest

FOLDER = Path(library_dir()) / "runtime" / "decision"


def _request(subject: str, action: str, resource: str = "orders/1", **context: object) -> DecisionRequest:
    return DecisionRequest(tenant="acme", subject=subject, action=action, resource=resource, context=context)


def test_without_data_every_request_is_denied() -> None:
    decision = Decider.from_folder([FOLDER]).evaluate(_request("alice", "orders.read"))
    assert decision.decision == "deny"
    assert [r.rule for r in decision.reasons] == ["decision.unknown_tenant"]


def test_with_the_example_data_a_granted_action_is_allowed() -> None:
    decider = Decider.from_folder([FOLDER], [FOLDER / "data.example.json"])
    assert decider.evaluate(_request("bob", "orders.read")).decision == "allow"


def test_with_the_example_data_weights_come_from_data() -> None:
    decider = Decider.from_folder([FOLDER], [FOLDER / "data.example.json"])
    decision = decider.evaluate(_request("alice", "orders.delete"))
    assert (decision.decision, decision.score) == ("deny", 6000)
    assert [r.rule for r in decision.reasons] == ["decision.mfa_required"]
    assert decider.evaluate(_request("alice", "orders.delete", mfa=True)).decision == "allow"
