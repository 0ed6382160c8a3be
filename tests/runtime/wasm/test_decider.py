"""The Wasm decider over the shipped decision policy: the Decider's interface and answers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sentinel.runtime.decision import DecisionRequest
from sentinel.runtime.decision.decider import RULE_NO_DENY
from sentinel.runtime.engine import EvaluationError
from sentinel.runtime.wasm import WasmDecider
from sentinel.runtime.wasm.decider import RULE_BUILTIN, RULE_INPUT
from tests.runtime.wasm.modules import opa_module


def _request(subject: str, action: str, **context: object) -> DecisionRequest:
    return DecisionRequest(
        tenant="acme", subject=subject, action=action, resource="orders/1", context=dict(context)
    )


def test_a_granted_action_is_allowed(wasm_decider: WasmDecider) -> None:
    decision = wasm_decider.evaluate(_request("bob", "orders.read"))
    assert (decision.decision, decision.score, decision.reasons) == ("allow", 0, [])


def test_a_denied_request_carries_the_policy_reasons_and_weights(wasm_decider: WasmDecider) -> None:
    decision = wasm_decider.evaluate(_request("alice", "orders.delete"))
    assert decision.decision == "deny"
    assert [(r.rule, r.weight) for r in decision.reasons] == [("decision.mfa_required", 6000)]
    assert decision.reasons[0].message == (
        '"orders.delete" needs multi-factor authentication; the request\'s context has no mfa: true'
    )
    assert decision.score == 6000


def test_warnings_come_from_the_warn_entry_point(wasm_decider: WasmDecider) -> None:
    decision = wasm_decider.evaluate(_request("bob", "orders.read", break_glass=True))
    assert decision.decision == "allow"
    assert [w.rule for w in decision.warnings] == ["decision.break_glass"]


def test_the_decision_names_the_bundle_revision_and_constitution_hash(wasm_decider: WasmDecider) -> None:
    decision = wasm_decider.evaluate(_request("bob", "orders.read"))
    assert decision.policy_revision == wasm_decider.revision == "r1"
    assert decision.constitution_hash == wasm_decider.constitution_hash
    assert len(decision.constitution_hash) == 64


def test_idempotent_requests_get_the_same_decision_id(wasm_decider: WasmDecider) -> None:
    request = DecisionRequest(
        tenant="acme", subject="bob", action="orders.read", resource="orders/1", idempotency=True
    )
    assert wasm_decider.evaluate(request).decision_id == wasm_decider.evaluate(request).decision_id


def test_the_module_asks_the_host_only_for_sprintf(wasm_decider: WasmDecider) -> None:
    assert wasm_decider.host_builtins == ["sprintf"]


def test_query_answers_an_entry_point_as_the_data_api(wasm_decider: WasmDecider) -> None:
    result = wasm_decider.query("sentinel/decision/deny", _request("zed", "x").policy_input())
    assert result.defined
    assert [r["rule"] for r in result.value] == ["decision.unknown_subject"]


def test_query_of_a_path_that_is_not_an_entry_point_raises(wasm_decider: WasmDecider) -> None:
    with pytest.raises(EvaluationError, match="not an entry point"):
        wasm_decider.query("sentinel/decision/_roles", {})


def test_a_module_without_the_deny_entry_point_denies_every_request() -> None:
    decider = WasmDecider.from_wasm(opa_module(), decision_package="other.pkg")
    decision = decider.evaluate(_request("bob", "orders.read"))
    assert decision.decision == "deny"
    assert decision.reasons[0].rule == RULE_NO_DENY


def test_an_unknown_tenant_is_denied_by_the_policy(wasm_decider: WasmDecider) -> None:
    request = DecisionRequest(tenant="globex", subject="bob", action="orders.read", resource="r")
    decision = wasm_decider.evaluate(request)
    assert [r.rule for r in decision.reasons] == ["decision.unknown_tenant"]


def test_a_message_that_would_reach_the_module_altered_is_a_deny_with_the_reason(
    wasm_decider: WasmDecider,
) -> None:
    decision = wasm_decider.evaluate(_request("\U0002c389", "orders.read"))
    assert decision.decision == "deny"
    assert decision.reasons[0].rule == RULE_BUILTIN
    assert "above U+FFFF" in decision.reasons[0].message


def test_code_points_above_the_bmp_in_the_input_reach_the_module_intact(wasm_decider: WasmDecider) -> None:
    decision = wasm_decider.evaluate(_request("bob", "orders.read", note="\U0010ffff\U0001f600"))
    assert (decision.decision, decision.reasons) == ("allow", [])


def test_a_bundle_built_by_opa_build_loads_and_decides(
    opa: str, decision_src: Path, tmp_path: Path, wasm_decider: WasmDecider
) -> None:
    out = tmp_path / "opa-built.tar.gz"
    argv = [opa, "build", "-t", "wasm", "-e", "sentinel/decision/deny", "-e", "sentinel/decision/warn"]
    done = subprocess.run(
        [*argv, "-o", str(out), str(decision_src)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    theirs = WasmDecider.from_bundle(out, keys=None, require_signature=False)
    request = _request("alice", "orders.delete")
    assert theirs.evaluate(request).reasons == wasm_decider.evaluate(request).reasons
    theirs.close()


def test_a_line_feed_meeting_opas_wasm_glob_is_denied_with_the_reason(wasm_decider: WasmDecider) -> None:
    request = DecisionRequest(
        tenant="acme", subject="alice", action="orders.read", resource="secrets/root/a\nb"
    )
    decision = wasm_decider.evaluate(request)
    assert decision.decision == "deny"
    assert [r.rule for r in decision.reasons] == [RULE_INPUT]
