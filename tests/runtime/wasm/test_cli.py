"""`sentinel eval --bundle FILE --wasm` and `sentinel serve --wasm FILE`: the Wasm decider from the CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from sentinel.cli import main
from sentinel.runtime.bundles.archive import read_archive, write_archive
from tests.runtime.wasm.conftest import Signer
from tests.runtime.wasm.modules import LOOP_FOREVER, opa_module
from testsupport.processes import free_port, running

CLI = "import sys; from sentinel.cli import main; sys.exit(main())"
DENIED = {"tenant": "acme", "subject": "zed", "action": "orders.read", "resource": "orders/1"}
ALLOWED = {"tenant": "acme", "subject": "bob", "action": "orders.read", "resource": "orders/1"}


@pytest.fixture
def bundle_file(decision_bundle: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "decision.tar.gz"
    path.write_bytes(decision_bundle)
    return path


@pytest.fixture
def public_key(signer: Signer, tmp_path: Path) -> Path:
    path = tmp_path / "public.pem"
    path.write_bytes(signer.public_pem)
    return path


def test_eval_wasm_prints_the_entry_points_result(bundle_file: Path, tmp_path: Path) -> None:
    (tmp_path / "input.json").write_text(json.dumps(DENIED))
    result = CliRunner().invoke(
        main,
        [
            "eval",
            "--bundle",
            str(bundle_file),
            "--wasm",
            "-i",
            str(tmp_path / "input.json"),
            "sentinel/decision/deny",
        ],
    )
    assert result.exit_code == 0, result.output
    assert [r["rule"] for r in json.loads(result.stdout)["result"]] == ["decision.unknown_subject"]


def test_eval_wasm_of_a_path_that_is_no_entry_point_exits_2(bundle_file: Path) -> None:
    result = CliRunner().invoke(main, ["eval", "--bundle", str(bundle_file), "--wasm", "sentinel/decision"])
    assert result.exit_code == 2
    assert "not an entry point" in result.stderr


def test_eval_wasm_needs_a_bundle(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["eval", "--policy", str(tmp_path), "--wasm", "x/y"])
    assert result.exit_code == 2
    assert "--bundle" in result.stderr


def test_eval_wasm_of_a_module_that_loops_exits_2_at_the_time_limit(
    bundle_file: Path, tmp_path: Path
) -> None:
    files = read_archive(bundle_file.read_bytes())
    files["policy.wasm"] = opa_module(LOOP_FOREVER)
    looping = tmp_path / "looping.tar.gz"
    looping.write_bytes(write_archive(files))
    result = CliRunner().invoke(main, ["eval", "--bundle", str(looping), "--wasm", "sentinel/decision/deny"])
    assert result.exit_code == 2
    assert "time limit" in result.stderr


def test_serve_wasm_answers_evaluate_from_the_module(
    bundle_file: Path, public_key: Path, tmp_path: Path
) -> None:
    port = free_port()
    argv = [
        sys.executable,
        "-c",
        CLI,
        "serve",
        "--wasm",
        str(bundle_file),
        "--verification-key",
        str(public_key),
        "--verification-key-id",
        "ci",
        "--addr",
        f"127.0.0.1:{port}",
    ]
    with (
        running(argv, port, tmp_path / "serve.log"),
        httpx.Client(base_url=f"http://127.0.0.1:{port}") as client,
    ):
        denied = client.post("/v1/evaluate", json=DENIED).json()
        allowed = client.post("/v1/evaluate", json=ALLOWED).json()
        data = client.post("/v1/data/sentinel/decision/deny", json={"input": DENIED}).json()
    assert (denied["decision"], denied["policy_revision"]) == ("deny", "r1")
    assert allowed["decision"] == "allow"
    assert [r["rule"] for r in data["result"]] == ["decision.unknown_subject"]


def test_serve_wasm_refuses_a_bundle_signed_with_another_key(
    bundle_file: Path, other_signer: Signer, tmp_path: Path
) -> None:
    (tmp_path / "other.pem").write_bytes(other_signer.public_pem)
    result = CliRunner().invoke(
        main,
        [
            "serve",
            "--wasm",
            str(bundle_file),
            "--verification-key",
            str(tmp_path / "other.pem"),
            "--verification-key-id",
            "ci",
        ],
    )
    assert result.exit_code == 2
    assert "bad_signature" in result.stderr


def test_serve_wasm_without_a_key_is_a_usage_error(bundle_file: Path) -> None:
    result = CliRunner().invoke(main, ["serve", "--wasm", str(bundle_file)])
    assert result.exit_code == 2
    assert "--verification-key" in result.stderr
