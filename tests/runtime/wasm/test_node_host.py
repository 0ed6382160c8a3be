"""A second host: the same policy.wasm evaluated by Node.js with @open-policy-agent/opa-wasm gives the
decisions Sentinel's host gives (the artifact is portable)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sentinel.runtime.bundles.archive import read_archive
from sentinel.runtime.decision import DecisionRequest
from sentinel.runtime.wasm import WasmDecider
from tests.runtime.wasm.conftest import DECISION_ENTRYPOINTS, REPO
from tests.runtime.wasm.test_differential import _of, _outcome, requests
from testsupport.processes import require_program

SCRIPT = REPO / "testsupport" / "opa_wasm_eval.mjs"
SDK = REPO / "node_modules" / "@open-policy-agent" / "opa-wasm"


@pytest.fixture(scope="module")
def node() -> str:
    found = require_program("node", "install Node.js 20 or later")
    if not SDK.is_dir():
        message = "@open-policy-agent/opa-wasm is not installed (run npm ci in the repository)"
        if os.environ.get("SENTINEL_REQUIRE_ORACLES") == "1":
            pytest.fail(f"{message}; SENTINEL_REQUIRE_ORACLES=1 forbids skipping", pytrace=False)
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def module_files(decision_bundle: bytes, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("node")
    files = read_archive(decision_bundle)
    (folder / "policy.wasm").write_bytes(files["policy.wasm"])
    (folder / "data.json").write_bytes(files["data.json"])
    return folder / "policy.wasm", folder / "data.json"


@settings(max_examples=5)
@given(st.lists(requests(), min_size=200, max_size=200))
def test_node_sdk_gives_the_same_decisions_as_sentinels_host(
    node: str,
    module_files: tuple[Path, Path],
    wasm_decider: WasmDecider,
    tmp_path_factory: pytest.TempPathFactory,
    batch: list[DecisionRequest],
) -> None:
    inputs = tmp_path_factory.mktemp("inputs") / "inputs.json"
    inputs.write_text(json.dumps([r.policy_input() for r in batch]))
    done = subprocess.run(
        [node, str(SCRIPT), str(module_files[0]), str(module_files[1]), str(inputs), *DECISION_ENTRYPOINTS],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for request, (deny, warn) in zip(batch, json.loads(done.stdout), strict=True):
        assert _of(wasm_decider.evaluate(request)) == _outcome(deny or [], warn or []), request
