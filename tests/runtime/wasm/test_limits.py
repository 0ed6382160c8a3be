"""At evaluation, a module that loops, grows its memory without bound or traps gets a deny with the
reason, within the limits; the failed instance is replaced and the decider keeps serving."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from sentinel.runtime.decision import DecisionRequest
from sentinel.runtime.decision.decider import RULE_TIME_LIMIT
from sentinel.runtime.wasm import WasmDecider, WasmLimits
from sentinel.runtime.wasm.decider import RULE_WASM_TRAP
from tests.runtime.wasm.modules import GROW_FOREVER, LOOP_FOREVER, TRAP, opa_module

REQUEST = DecisionRequest(tenant="acme", subject="alice", action="orders.read", resource="orders/1")
LIMITS = WasmLimits(time_limit_ms=50, max_memory_pages=256, pool_size=2)


@pytest.fixture
def looping() -> WasmDecider:
    return WasmDecider.from_wasm(opa_module(LOOP_FOREVER), limits=LIMITS)


def test_a_module_that_loops_forever_is_denied_at_the_time_limit(looping: WasmDecider) -> None:
    started = time.perf_counter()
    decision = looping.evaluate(REQUEST)
    elapsed = time.perf_counter() - started
    assert decision.decision == "deny"
    assert decision.score == 10_000
    assert [r.rule for r in decision.reasons] == [RULE_TIME_LIMIT]
    assert "50 ms" in decision.reasons[0].message
    assert elapsed < 2.0


def test_a_looping_module_keeps_answering_deny_after_a_timeout(looping: WasmDecider) -> None:
    outcomes = [looping.evaluate(REQUEST).reasons[0].rule for _ in range(4)]
    assert outcomes == [RULE_TIME_LIMIT] * 4


def test_a_module_that_grows_memory_without_bound_is_denied_at_the_cap() -> None:
    decider = WasmDecider.from_wasm(opa_module(GROW_FOREVER), limits=LIMITS)
    decision = decider.evaluate(REQUEST)
    assert decision.decision == "deny"
    assert decision.reasons[0].rule == RULE_WASM_TRAP
    assert "memory cap of 256 pages" in decision.reasons[0].message


def test_a_trap_is_a_deny_with_the_trap_named() -> None:
    decision = WasmDecider.from_wasm(opa_module(TRAP), limits=LIMITS).evaluate(REQUEST)
    assert decision.decision == "deny"
    assert "unreachable" in decision.reasons[0].message


def test_the_process_keeps_serving_other_policies_after_a_runaway_module(looping: WasmDecider) -> None:
    healthy = WasmDecider.from_wasm(opa_module(), limits=LIMITS)
    assert looping.evaluate(REQUEST).decision == "deny"
    assert healthy.evaluate(REQUEST).decision == "allow"
    assert looping.evaluate(REQUEST).decision == "deny"
    assert healthy.evaluate(REQUEST).decision == "allow"


def test_concurrent_callers_share_the_instance_pool(wasm_decider: WasmDecider) -> None:
    requests = [
        DecisionRequest(tenant="acme", subject=s, action=a, resource="orders/1")
        for s in ("alice", "bob", "carol", "mallory")
        for a in ("orders.read", "orders.delete", "invoices.pay")
    ] * 10
    expected = [wasm_decider.evaluate(r).decision for r in requests]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda r: wasm_decider.evaluate(r).decision, requests))
    assert got == expected


def test_a_closed_decider_denies() -> None:
    decider = WasmDecider.from_wasm(opa_module(), limits=LIMITS)
    decider.close()
    decision = decider.evaluate(REQUEST)
    assert decision.decision == "deny"
    assert decision.reasons[0].rule == RULE_WASM_TRAP
