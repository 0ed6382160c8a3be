"""The same answers everywhere: the Python API (compiled program), regorus's interpreter and the real OPA,
on every combination of the finite domains (valid and invalid values, every set of session tags)."""

from __future__ import annotations

import json
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest
import regorus
from click.testing import CliRunner

from sentinel.cli import main
from sentinel.runtime.risk import RiskClassifier
from sentinel.runtime.risk.classifier import library_risk_dir
from tests.runtime.risk.domain import POLICY, all_documents
from testsupport.processes import require_program

_OPA_HINT = "make tools builds OPA v1.22.4 into .tools/bin"
# One opa eval for the whole batch: the table applied to each element of the input array, in order.
_BATCH_QUERY = "[r | some doc in input; r := data.sentinel.risk.result with input as doc]"


def _differences(
    classifier: RiskClassifier, documents: list[dict[str, Any]], theirs: list[Any]
) -> list[tuple[dict[str, Any], dict[str, Any], Any]]:
    """(input, ours, theirs) for every input where the Python API and the other engine disagree."""
    ours = [classifier.evaluate(doc).to_dict() for doc in documents]
    return [(doc, o, t) for doc, o, t in zip(documents, ours, theirs, strict=True) if o != t]


def test_opa_eval_gives_the_same_result_for_every_combination(
    classifier: RiskClassifier, tmp_path: Path
) -> None:
    opa = require_program("opa", _OPA_HINT)
    documents = all_documents()
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps(documents))
    done = subprocess.run(
        [opa, "eval", "--format", "json", "--data", str(POLICY), "--input", str(batch), _BATCH_QUERY],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    theirs = json.loads(done.stdout)["result"][0]["expressions"][0]["value"]
    assert _differences(classifier, documents, theirs) == []


def test_opa_wasm_build_gives_the_same_result_for_every_combination(
    classifier: RiskClassifier, tmp_path: Path
) -> None:
    opa = require_program("opa", _OPA_HINT)
    opapywasm = pytest.importorskip("opapywasm", reason="the [wasm] extra (opa-py-wasm) is not installed")
    bundle = tmp_path / "bundle.tar.gz"
    built = subprocess.run(
        [opa, "build", "-t", "wasm", "-e", "sentinel/risk/result", "-o", str(bundle), str(POLICY)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    with tarfile.open(bundle) as archive:
        member = next(m for m in archive.getmembers() if m.name.lstrip("/") == "policy.wasm")
        extracted = archive.extractfile(member)
        assert extracted is not None
        wasm = tmp_path / "policy.wasm"
        wasm.write_bytes(extracted.read())
    policy = opapywasm.OpaWasmPolicy.from_wasm_file(str(wasm))
    documents = all_documents()
    theirs = [policy.evaluate(doc) for doc in documents]
    assert _differences(classifier, documents, theirs) == []


def test_python_api_equals_the_rego_interpreter_on_every_combination(classifier: RiskClassifier) -> None:
    engine = regorus.Engine()
    engine.add_policy_from_file(str(POLICY))
    documents = all_documents()
    theirs = []
    for doc in documents:
        engine.set_input_json(json.dumps(doc))
        theirs.append(engine.eval_rule("data.sentinel.risk.result"))
    assert _differences(classifier, documents, theirs) == []


def test_the_shipped_table_is_the_repository_file() -> None:
    assert (library_risk_dir() / "risk.rego").read_bytes() == POLICY.read_bytes()


def test_rego_unit_tests_pass_under_sentinel_verify() -> None:
    result = CliRunner().invoke(main, ["verify", "-p", str(POLICY.parent)], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_rego_unit_tests_pass_under_opa_test() -> None:
    opa = require_program("opa", _OPA_HINT)
    done = subprocess.run(
        [opa, "test", str(POLICY.parent)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
