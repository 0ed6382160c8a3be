"""Same decisions everywhere: the shipped decision policy and the risk table through regorus (interpreter
and compiled program), OPA's Wasm build under Sentinel's host, and `opa eval`, on generated requests
(100 per example, one `opa eval` per batch) -> identical decisions, scores, reasons and warnings."""

from __future__ import annotations

import json
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import regorus
from hypothesis import given
from hypothesis import strategies as st

from sentinel.runtime.bundles.reader import read_bundle
from sentinel.runtime.decision import Decider, Decision, DecisionRequest, scoring
from sentinel.runtime.risk import RiskClassifier
from sentinel.runtime.wasm import WasmDecider, WasmLimits
from sentinel.runtime.wasm.decider import RULE_INPUT
from tests.runtime.risk import domain
from tests.runtime.wasm.conftest import RISK_DIR, RISK_ENTRYPOINT, Signer

BATCH = 100
# Code points assigned in Python's Unicode database (OPA's sprintf %q follows Go's, newer, one), within
# the BMP (a message holding one beyond it is refused by the Wasm host: test_decider.py). Control
# characters are in: a line feed meets OPA's Wasm glob.match (the Wasm decider denies it with a
# reason); a NUL meets regorus's ("string contains internal glob placeholder"), so regorus is not
# compared on those requests.
_TEXT = st.text(
    alphabet=st.characters(max_codepoint=0xFFFF, blacklist_categories=("Cn", "Cs")).filter(
        lambda c: unicodedata.category(c) != "Cn"
    ),
    min_size=1,
    max_size=12,
)
_DECISION_BATCH = (
    "[[d, w] | some doc in input; "
    "d := data.sentinel.decision.deny with input as doc; w := data.sentinel.decision.warn with input as doc]"
)
_RISK_BATCH = "[r | some doc in input; r := data.sentinel.risk.result with input as doc]"

Outcome = tuple[str, int, list[tuple[str, str, int]], list[tuple[str, str, int]]]


def requests() -> st.SearchStrategy[DecisionRequest]:
    subjects = st.sampled_from(["alice", "bob", "carol", "mallory", "zed"]) | _TEXT
    actions = (
        st.sampled_from(
            [
                "orders.read",
                "orders.list",
                "orders.delete",
                "invoices.pay",
                "invoices.view",
                "x.delete",
                "a.b.c",
            ]
        )
        | _TEXT
    )
    resources = st.sampled_from(["orders/1", "secrets/root/key", "secrets/root", "secrets/x/y", ""]) | _TEXT
    flags = st.booleans() | st.sampled_from(["yes", 1, None])
    context = st.fixed_dictionaries({}, optional={"mfa": flags, "break_glass": flags, "note": _TEXT})
    return st.builds(
        DecisionRequest,
        tenant=st.sampled_from(["acme", "globex"]),
        subject=subjects,
        action=actions,
        resource=resources,
        context=context,
    )


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value, *(t for item in value.values() for t in _strings(item))]
    if isinstance(value, list):
        return [t for item in value for t in _strings(item)]
    return []


def _outcome(deny: Any, warn: Any) -> Outcome:
    reasons = scoring.triples(deny, "deny")
    return (
        "deny" if reasons else "allow",
        scoring.score_of(w for _, _, w in reasons),
        reasons,
        scoring.triples(warn, "warn"),
    )


def _of(decision: Decision) -> Outcome:
    return (
        decision.decision,
        decision.score,
        [(r.rule, r.message, r.weight) for r in decision.reasons],
        [(r.rule, r.message, r.weight) for r in decision.warnings],
    )


def _opa_batch(opa: str, data_dir: Path, documents: list[Any], query: str, tmp: Path) -> list[Any]:
    batch = tmp / "batch.json"
    batch.write_text(json.dumps(documents))
    done = subprocess.run(
        [opa, "eval", "--format", "json", "--data", str(data_dir), "--input", str(batch), query],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    value: list[Any] = json.loads(done.stdout)["result"][0]["expressions"][0]["value"]
    return value


class Engines:
    def __init__(self, bundle: bytes, signer: Signer) -> None:
        loaded = read_bundle(bundle, keys=signer.keys())
        self.compiled = Decider.from_modules(
            loaded.modules, loaded.data, revision=loaded.revision, constitution_hash=loaded.constitution_hash
        )
        # A generous wall-clock limit: the shared machine must not turn a slow moment into a deny.
        self.wasm = WasmDecider.from_bundle(
            bundle, keys=signer.keys(), limits=WasmLimits(time_limit_ms=10_000)
        )
        self.interpreter = regorus.Engine()
        for path, source in loaded.modules:
            self.interpreter.add_policy(path, source)
        self.interpreter.add_data_json(json.dumps(loaded.data))

    def interpreted(self, request: DecisionRequest) -> Outcome:
        self.interpreter.set_input_json(json.dumps(request.policy_input()))
        deny = json.loads(self.interpreter.eval_rule_as_json("data.sentinel.decision.deny"))
        warn = json.loads(self.interpreter.eval_rule_as_json("data.sentinel.decision.warn"))
        return _outcome(deny, [] if warn == "<undefined>" else warn)


@pytest.fixture(scope="module")
def engines(decision_bundle: bytes, signer: Signer) -> Iterator[Engines]:
    built = Engines(decision_bundle, signer)
    yield built
    built.wasm.close()


@given(st.lists(requests(), min_size=BATCH, max_size=BATCH))
def test_decisions_are_identical_in_every_engine(
    engines: Engines,
    opa: str,
    decision_src: Path,
    tmp_path_factory: pytest.TempPathFactory,
    batch: list[DecisionRequest],
) -> None:
    documents = [r.policy_input() for r in batch]
    theirs = _opa_batch(opa, decision_src, documents, _DECISION_BATCH, tmp_path_factory.mktemp("opa"))
    for request, (deny, warn) in zip(batch, theirs, strict=True):
        expected = _outcome(deny, warn)
        strings = _strings(request.policy_input())
        wasm = engines.wasm.evaluate(request)
        if any("\n" in t for t in strings):
            assert [r.rule for r in wasm.reasons] == [RULE_INPUT], request
        else:
            assert _of(wasm) == expected, (request, wasm.reasons)
        if any("\x00" in t for t in strings):
            continue
        assert _of(engines.compiled.evaluate(request)) == expected, request
        assert engines.interpreted(request) == expected, request


def risk_documents() -> st.SearchStrategy[dict[str, Any]]:
    def field(values: tuple[object, ...]) -> st.SearchStrategy[object]:
        return st.sampled_from(values)

    return st.builds(
        domain.document,
        field(domain.PROMPT_TYPES + domain.BAD_PROMPT_TYPES),
        field(domain.CONFIDENCES + domain.BAD_CONFIDENCES),
        field(domain.ACTIONS + domain.BAD_ACTIONS),
        field(domain.TAG_SETS) | st.lists(st.sampled_from(domain.KNOWN_TAGS), max_size=4),
    )


@pytest.fixture(scope="module")
def risk_engines(risk_bundle: bytes, signer: Signer) -> Iterator[tuple[RiskClassifier, WasmDecider, Any]]:
    wasm = WasmDecider.from_bundle(risk_bundle, keys=signer.keys(), limits=WasmLimits(time_limit_ms=10_000))
    interpreter = regorus.Engine()
    interpreter.add_policy_from_file(str(RISK_DIR / "risk.rego"))
    yield RiskClassifier.from_library(), wasm, interpreter
    wasm.close()


@given(st.lists(risk_documents(), min_size=BATCH, max_size=BATCH))
def test_risk_levels_are_identical_in_every_engine(
    risk_engines: tuple[RiskClassifier, WasmDecider, Any],
    opa: str,
    tmp_path_factory: pytest.TempPathFactory,
    batch: list[dict[str, Any]],
) -> None:
    classifier, wasm, interpreter = risk_engines
    theirs = _opa_batch(opa, RISK_DIR, batch, _RISK_BATCH, tmp_path_factory.mktemp("opa"))
    for document, expected in zip(batch, theirs, strict=True):
        assert wasm.query(RISK_ENTRYPOINT, document).value == expected, document
        assert classifier.evaluate(document).to_dict() == expected, document
        interpreter.set_input_json(json.dumps(document))
        assert interpreter.eval_rule("data.sentinel.risk.result") == expected, document
