"""Decider.evaluate: conftest-style deny reasons decide; every failure is a deny with a reason."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.errors import PolicyError, UsageError
from sentinel.runtime.decision import Decider, DecisionRequest
from sentinel.runtime.decision.decider import NO_PACK
from sentinel.runtime.engine import EvaluationError

POLICY = """package sentinel.decision
import rego.v1

deny contains {"rule": "no_delete", "message": "deleting is closed", "weight": 6000} if {
    input.action == "delete"
}
deny contains {"rule": "no_root", "message": "root is closed", "weight": 7000} if input.resource == "root"
deny contains "plain string reason" if input.context.plain
warn contains {"rule": "audit", "message": "writes are audited", "weight": 100} if input.action == "write"
"""


def _decider(source: str = POLICY, **kwargs: object) -> Decider:
    return Decider.from_modules(
        [("decision.rego", source)],
        {},
        revision="rev-1",
        constitution_hash="c0ffee",
        **kwargs,  # type: ignore[arg-type]
    )


def _request(action: str = "read", resource: str = "doc", **kwargs: object) -> DecisionRequest:
    return DecisionRequest.model_validate(
        {"tenant": "acme", "subject": "alice", "action": action, "resource": resource, **kwargs}
    )


def test_a_request_no_rule_denies_is_allowed_with_score_zero() -> None:
    decision = _decider().evaluate(_request())
    assert (decision.decision, decision.score, decision.reasons) == ("allow", 0, [])


def test_one_deny_reason_denies_with_its_weight() -> None:
    decision = _decider().evaluate(_request(action="delete"))
    assert decision.decision == "deny"
    assert decision.score == 6000
    assert [(r.rule, r.message, r.weight) for r in decision.reasons] == [
        ("no_delete", "deleting is closed", 6000)
    ]


def test_the_score_of_several_reasons_is_their_clamped_sum() -> None:
    decision = _decider().evaluate(_request(action="delete", resource="root"))
    assert decision.score == 10_000
    assert [r.rule for r in decision.reasons] == ["no_delete", "no_root"]


def test_a_string_reason_denies_with_weight_zero() -> None:
    decision = _decider().evaluate(_request(context={"plain": True}))
    assert (decision.decision, decision.score) == ("deny", 0)
    assert decision.reasons[0].message == "plain string reason"


def test_warnings_are_reported_without_denying() -> None:
    decision = _decider().evaluate(_request(action="write"))
    assert decision.decision == "allow"
    assert [w.rule for w in decision.warnings] == ["audit"]


def test_the_decision_names_the_revision_and_constitution_hash() -> None:
    decision = _decider().evaluate(_request())
    assert (decision.policy_revision, decision.constitution_hash) == ("rev-1", "c0ffee")


def test_the_same_request_and_revision_give_the_same_bytes_apart_from_id_and_time() -> None:
    request = _request(action="delete", resource="root", context={"b": [1, 2], "a": "x"})
    first = _decider().evaluate(request).model_dump(mode="json", exclude={"decision_id", "evaluated_at"})
    second = _decider().evaluate(request).model_dump(mode="json", exclude={"decision_id", "evaluated_at"})
    assert json.dumps(first) == json.dumps(second)


def test_the_idempotent_decision_id_hashes_the_canonical_request_and_revision() -> None:
    request = _request(resource="doc", context={"b": 1, "a": "x"}, idempotency=True)
    # Test vector (docs/runtime.md): RFC 8785 canonical JSON, keys sorted, no spaces.
    canonical = (
        '{"constitution_hash":"c0ffee","policy_revision":"rev-1","request":{"action":"read",'
        '"context":{"a":"x","b":1},"resource":"doc","subject":"alice","tenant":"acme"}}'
    )
    assert _decider().evaluate(request).decision_id == hashlib.sha256(canonical.encode()).hexdigest()


def test_without_idempotency_each_decision_gets_a_new_id() -> None:
    decider = _decider()
    assert decider.evaluate(_request()).decision_id != decider.evaluate(_request()).decision_id


def test_evaluated_at_is_rfc3339_utc() -> None:
    stamp = _decider().evaluate(_request()).evaluated_at
    assert stamp.endswith("Z") and stamp[10] == "T" and len(stamp) == 27


def test_a_deny_that_is_not_a_set_is_refused_when_the_pack_loads() -> None:
    with pytest.raises(PolicyError, match="not a set"):
        _decider("package sentinel.decision\nimport rego.v1\ndeny := 5\n")


def test_a_deny_holding_a_number_denies_as_a_malformed_reason() -> None:
    decision = _decider(
        "package sentinel.decision\nimport rego.v1\ndeny contains input.context.n if true\n"
    ).evaluate(_request(context={"n": 1}))
    assert (decision.decision, decision.score) == ("deny", 10_000)
    assert decision.reasons[0].rule == "sentinel.runtime.malformed_reason"


def test_a_float_weight_denies_as_a_malformed_reason() -> None:
    floating = (
        "package sentinel.decision\nimport rego.v1\n"
        'deny contains {"message": "m", "weight": 0.6 + 0.3} if true\n'
    )
    decision = _decider(floating).evaluate(_request())
    assert decision.decision == "deny"
    assert decision.reasons[0].rule == "sentinel.runtime.malformed_reason"
    assert "float" in decision.reasons[0].message


def test_a_pack_without_a_deny_rule_denies() -> None:
    decision = _decider('package sentinel.decision\nimport rego.v1\nwarn contains "w" if false\n').evaluate(
        _request()
    )
    assert decision.decision == "deny"
    assert decision.reasons[0].rule == "sentinel.runtime.no_deny_rule"


def test_a_policy_past_the_instruction_limit_denies() -> None:
    looping = (
        "package sentinel.decision\nimport rego.v1\n"
        'deny contains "many" if count([i | some i in numbers.range(1, 100000); i > 0]) > 10\n'
    )
    decision = _decider(looping).evaluate(_request())
    assert decision.decision == "deny"
    assert decision.reasons[0].rule == "sentinel.runtime.instruction_limit"


def test_a_policy_slower_than_the_time_limit_denies() -> None:
    # One builtin call building a 1,000,000-element array: a few instructions, ~100 ms.
    slow = (
        "package sentinel.decision\nimport rego.v1\n"
        'deny contains "never" if count(numbers.range(1, 1000000)) < 0\n'
    )
    decision = _decider(slow, time_limit_ms=5).evaluate(_request())
    assert decision.decision == "deny"
    assert decision.reasons[0].rule == "sentinel.runtime.time_limit"
    assert "5 ms" in decision.reasons[0].message


def test_the_decision_package_can_be_changed() -> None:
    source = 'package authz.gate\nimport rego.v1\ndeny contains "closed" if input.action == "delete"\n'
    decider = _decider(source, decision_package="authz.gate")
    assert decider.evaluate(_request(action="delete")).decision == "deny"
    assert decider.evaluate(_request()).decision == "allow"


def test_a_decision_package_that_is_not_a_package_name_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="not a dotted Rego package name"):
        _decider(decision_package="a/../b")


def test_without_a_risk_context_the_decision_carries_no_risk() -> None:
    decision = _decider().evaluate(_request())
    assert (decision.risk_level, decision.risk_row) == (None, None)


def test_a_risk_context_is_classified_by_the_shipped_table() -> None:
    risk = {"prompt_type": "destructive_confirm", "confidence": "high", "action": "execute"}
    decision = _decider().evaluate(_request(context={"risk": risk}))
    assert (decision.risk_level, decision.risk_row) == ("critical", "R2-destructive-confirm")


def test_a_critical_risk_never_turns_an_allow_into_a_deny() -> None:
    risk = {"prompt_type": "destructive_confirm", "confidence": "low", "action": "execute"}
    decision = _decider().evaluate(_request(context={"risk": risk}))
    assert (decision.decision, decision.score, decision.risk_level) == ("allow", 0, "critical")


def test_a_low_risk_never_turns_a_deny_into_an_allow() -> None:
    risk = {"prompt_type": "x", "confidence": "high", "action": "log_only"}
    decision = _decider().evaluate(_request(action="delete", context={"risk": risk}))
    assert decision.decision == "deny"


def test_a_failing_classifier_annotates_critical_and_keeps_the_outcome() -> None:
    def broken(_context: object) -> tuple[str, str] | None:
        raise RuntimeError("classifier down")

    decider = Decider(_decider().packs, risk=broken)
    decision = decider.evaluate(_request(context={"risk": {}}))
    assert (decision.decision, decision.risk_level, decision.risk_row) == (
        "allow",
        "critical",
        "E1-evaluation-error",
    )


# Tenant packs -----------------------------------------------------------------------------------


def _write_pack(root: Path, tenant: str, message: str) -> None:
    folder = root / tenant
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "decision.rego").write_text(
        f'package sentinel.decision\nimport rego.v1\ndeny contains "{message}" if input.action == "delete"\n'
    )


def test_each_tenant_is_decided_by_its_own_pack(tmp_path: Path) -> None:
    _write_pack(tmp_path, "acme", "acme says no")
    _write_pack(tmp_path, "globex", "globex says no")
    decider = Decider.from_folder([], tenant_packs=tmp_path)
    acme = decider.evaluate(_request(action="delete"))
    globex = decider.evaluate(DecisionRequest(tenant="globex", subject="s", action="delete", resource="r"))
    assert acme.reasons[0].message == "acme says no"
    assert globex.reasons[0].message == "globex says no"
    assert acme.policy_revision != globex.policy_revision
    assert decider.tenants == ["acme", "globex"]


def test_a_tenant_without_a_pack_is_denied(tmp_path: Path) -> None:
    _write_pack(tmp_path, "acme", "no")
    decision = Decider.from_folder([], tenant_packs=tmp_path).evaluate(
        DecisionRequest(tenant="initech", subject="s", action="read", resource="r")
    )
    assert decision.decision == "deny"
    assert decision.reasons[0].message == NO_PACK
    assert decision.score == 10_000


def test_tenant_pack_data_sits_under_its_folder_path(tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    (folder / "sentinel" / "runtime").mkdir(parents=True)
    (folder / "sentinel" / "runtime" / "data.json").write_text('{"closed": ["delete"]}')
    (folder / "decision.rego").write_text(
        "package sentinel.decision\nimport rego.v1\n"
        'deny contains "closed" if input.action in data.sentinel.runtime.closed\n'
    )
    decider = Decider.from_folder([], tenant_packs=tmp_path)
    assert decider.evaluate(_request(action="delete")).decision == "deny"


def test_a_tenant_folder_that_is_not_a_tenant_id_is_refused(tmp_path: Path) -> None:
    _write_pack(tmp_path, "bad name", "no")
    with pytest.raises(PolicyError, match="not a tenant id"):
        Decider.from_folder([], tenant_packs=tmp_path)


def test_policy_folders_and_tenant_packs_together_are_a_usage_error(tmp_path: Path) -> None:
    _write_pack(tmp_path / "packs", "acme", "no")
    _write_pack(tmp_path, "default", "no")
    with pytest.raises(UsageError, match="not both"):
        Decider.from_folder([tmp_path / "default"], tenant_packs=tmp_path / "packs")


def test_a_folder_pack_revision_is_the_hash_of_its_content_wherever_it_lives(tmp_path: Path) -> None:
    _write_pack(tmp_path / "one", "p", "no")
    _write_pack(tmp_path / "two", "p", "no")
    first = Decider.from_folder([tmp_path / "one" / "p"])
    second = Decider.from_folder([tmp_path / "two" / "p"])
    assert first.revision == second.revision == first.constitution_hash
    assert len(first.revision) == 64


# Reloading --------------------------------------------------------------------------------------


def test_reload_swaps_in_the_new_policies(tmp_path: Path) -> None:
    _write_pack(tmp_path, "p", "old")
    decider = Decider.from_folder([tmp_path / "p"])
    _write_pack(tmp_path, "p", "new")
    decider.reload()
    assert decider.evaluate(_request(action="delete")).reasons[0].message == "new"


def test_a_reload_that_fails_keeps_the_old_policies(tmp_path: Path) -> None:
    _write_pack(tmp_path, "p", "old")
    decider = Decider.from_folder([tmp_path / "p"])
    (tmp_path / "p" / "decision.rego").write_text("package sentinel.decision\ndeny contains if {\n")
    with pytest.raises(PolicyError):
        decider.reload()
    assert decider.evaluate(_request(action="delete")).reasons[0].message == "old"


def test_load_pack_replaces_one_tenant_pack() -> None:
    decider = _decider()
    decider.load_pack(
        [("d.rego", 'package sentinel.decision\nimport rego.v1\ndeny contains "acme only" if true\n')],
        {},
        revision="rev-acme",
        constitution_hash="h",
        tenant="acme",
    )
    assert decider.evaluate(_request()).reasons[0].message == "acme only"
    other = decider.evaluate(DecisionRequest(tenant="globex", subject="s", action="read", resource="r"))
    assert (other.decision, other.policy_revision) == ("allow", "rev-1")


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_evaluations_during_reloads_see_either_the_old_or_the_new_pack(tmp_path: Path) -> None:
    """Each revision denies with its own message: a decision that mixed two packs would pair a
    revision with the other revision's message (or carry an error reason)."""
    _write_pack(tmp_path, "p", "A")
    decider = Decider.from_folder([tmp_path / "p"])
    seen: list[tuple[str, str]] = []
    stop = threading.Event()

    def evaluate() -> None:
        request = _request(action="delete")
        while not stop.is_set():
            decision = decider.evaluate(request)
            seen.append((decision.policy_revision, decision.reasons[0].message))

    workers = [threading.Thread(target=evaluate) for _ in range(3)]
    for worker in workers:
        worker.start()
    try:
        for round_ in range(8):
            _write_pack(tmp_path, "p", "B" if round_ % 2 == 0 else "A")
            decider.reload()
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    messages_by_revision: dict[str, set[str]] = {}
    for revision, message in seen:
        messages_by_revision.setdefault(revision, set()).add(message)
    assert {m for ms in messages_by_revision.values() for m in ms} == {"A", "B"}
    assert len(messages_by_revision) == 2
    assert all(len(messages) == 1 for messages in messages_by_revision.values())


# Queries (OPA's data API) ------------------------------------------------------------------------


def test_a_query_for_a_compiled_rule_returns_its_value() -> None:
    result = _decider().query(
        "sentinel/decision/deny", {"action": "delete", "resource": "doc", "context": {}}
    )
    assert result.defined
    assert result.value == [{"rule": "no_delete", "message": "deleting is closed", "weight": 6000}]


def test_a_query_for_a_package_returns_the_package_document() -> None:
    result = _decider().query("sentinel/decision", {"action": "write", "resource": "doc", "context": {}})
    assert result.value == {
        "deny": [],
        "warn": [{"rule": "audit", "message": "writes are audited", "weight": 100}],
    }


def test_a_query_for_an_undefined_path_is_undefined() -> None:
    assert not _decider().query("sentinel/decision/nothing", {}).defined


# Properties ------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@pytest.fixture(scope="module")
def shared_decider() -> Decider:
    return _decider()


@given(
    action=st.text(min_size=1, max_size=40),
    resource=st.text(max_size=40),
    context=st.dictionaries(st.text(max_size=10), json_values, max_size=5),
)
def test_any_valid_request_gets_a_decision_that_repeats_byte_for_byte(
    shared_decider: Decider, action: str, resource: str, context: dict[str, object]
) -> None:
    request = DecisionRequest(
        tenant="acme", subject="alice", action=action, resource=resource, context=context
    )
    first = shared_decider.evaluate(request)
    second = shared_decider.evaluate(request)
    assert first.decision in ("allow", "deny")
    assert 0 <= first.score <= 10_000
    assert (first.decision == "deny") == bool(first.reasons)
    volatile = {"decision_id", "evaluated_at"}
    assert first.model_dump_json(exclude=volatile) == second.model_dump_json(exclude=volatile)


def test_with_tenant_packs_a_query_uses_the_pack_of_the_inputs_tenant(tmp_path: Path) -> None:
    _write_pack(tmp_path, "acme", "acme says no")
    decider = Decider.from_folder([], tenant_packs=tmp_path)
    result = decider.query("sentinel/decision/deny", {"tenant": "acme", "action": "delete"})
    assert result.value == ["acme says no"]


def test_a_query_for_a_tenant_without_a_pack_is_an_evaluation_error(tmp_path: Path) -> None:
    _write_pack(tmp_path, "acme", "no")
    decider = Decider.from_folder([], tenant_packs=tmp_path)
    with pytest.raises(EvaluationError, match="no policy pack for tenant"):
        decider.query("sentinel/decision/deny", {"tenant": "initech"})


def test_with_risk_classification_off_decisions_carry_no_risk_level(tmp_path: Path) -> None:
    """The ``risk_classification`` feature off (issue 17): ``risk_level`` and ``risk_row`` are null, the
    decision is the same."""
    policy = 'package sentinel.decision\n\ndeny contains "no" if input.action == "delete"\n'
    (tmp_path / "p.rego").write_text(policy)
    risk = {"prompt_type": "question", "confidence": "high", "action": "execute", "session_tags": []}
    request = DecisionRequest(tenant="t", subject="s", action="read", resource="r", context={"risk": risk})
    on = Decider.from_folder([tmp_path]).evaluate(request)
    off = Decider.from_folder([tmp_path], classify_risk=False).evaluate(request)
    assert (on.risk_level, on.risk_row) == ("high", "R3-execute-high")
    assert (off.risk_level, off.risk_row) == (None, None)
    assert (off.decision, off.score, off.reasons) == (on.decision, on.score, on.reasons)
