"""`sentinel eval` prints what OPA's data API answers, byte for byte (checked against the real
`opa run --server`)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from sentinel.cli import main
from testsupport.processes import free_port, require_program, running

POLICY = """package authz
import rego.v1

default allow := false

allow if input.user in data.authz.admins

deny contains {"rule": "authz.not_admin", "message": msg, "weight": 5000} if {
    not allow
    msg := sprintf("%s is not an <admin> & é", [input.user])
}

roles[user] := "admin" if some user in data.authz.admins
"""
DATA = {"authz": {"admins": ["root", "ops"]}}
INPUT = {"user": "eve"}


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "policy"
    folder.mkdir()
    (folder / "authz.rego").write_text(POLICY)
    (folder / "data.json").write_text(json.dumps(DATA))
    return folder


def _eval(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["eval", *args])
    return result.exit_code, result.output


def _opa_answer(argv_tail: list[str], path: str, document: Any, log: Path) -> str:
    opa = require_program("opa", "make tools builds it from the Go module proxy")
    port = free_port()
    argv = [opa, "run", "--server", "--addr", f"127.0.0.1:{port}", "--log-level", "error", *argv_tail]
    with running(argv, port, log):
        response = httpx.post(f"http://127.0.0.1:{port}/v1/data/{path}", json={"input": document}, timeout=10)
    response.raise_for_status()
    return response.text


@pytest.mark.parametrize(
    "path", ["authz/deny", "authz/allow", "authz", "authz/roles", "authz/nothing", "nope/x"]
)
def test_the_output_equals_opas_data_api_answer(policy_dir: Path, tmp_path: Path, path: str) -> None:
    (tmp_path / "input.json").write_text(json.dumps(INPUT))
    code, output = _eval(
        "-p",
        str(policy_dir / "authz.rego"),
        "-d",
        str(policy_dir / "data.json"),
        "-i",
        str(tmp_path / "input.json"),
        "--decision",
        "authz",
        path,
    )
    assert code == 0, output
    assert output == _opa_answer([str(policy_dir)], path, INPUT, tmp_path / "opa.log")


def test_an_undefined_path_prints_an_object_without_result(policy_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "input.json").write_text("{}")
    code, output = _eval("-p", str(policy_dir), "-i", str(tmp_path / "input.json"), "authz/nothing")
    assert (code, output.strip()) == (0, "{}")


def test_opas_dotted_query_form_names_the_same_document(policy_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "input.json").write_text(json.dumps({"user": "root"}))
    code, output = _eval(
        "-p",
        str(policy_dir),
        "-d",
        str(policy_dir / "data.json"),
        "-i",
        str(tmp_path / "input.json"),
        "data.authz.allow",
    )
    assert (code, json.loads(output)) == (0, {"result": True})


def test_a_bundle_evaluates_as_opa_evaluates_it(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.tar.gz"
    files = {
        ".manifest": json.dumps({"revision": "rev-7", "roots": ["authz"]}).encode(),
        "authz/authz.rego": POLICY.encode(),
        "authz/data.json": json.dumps(DATA["authz"]).encode(),
    }
    with tarfile.open(bundle, "w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    (tmp_path / "input.json").write_text(json.dumps(INPUT))
    code, output = _eval("--bundle", str(bundle), "-i", str(tmp_path / "input.json"), "authz/deny")
    assert code == 0, output
    assert output == _opa_answer(["--bundle", str(bundle)], "authz/deny", INPUT, tmp_path / "opa.log")


def test_policy_and_bundle_together_exit_2(policy_dir: Path, tmp_path: Path) -> None:
    code, output = _eval("-p", str(policy_dir), "--bundle", str(tmp_path / "b.tar.gz"), "authz/allow")
    assert code == 2
    assert "not both" in output


def test_no_policy_exits_2() -> None:
    code, output = _eval("authz/allow")
    assert code == 2
    assert "--policy" in output


def test_an_input_that_is_not_json_exits_2(policy_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "input.json").write_text('{"user": ')
    code, output = _eval("-p", str(policy_dir), "-i", str(tmp_path / "input.json"), "authz/allow")
    assert code == 2
    assert "input is not JSON" in output


def test_nan_in_the_input_exits_2(policy_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "input.json").write_text('{"user": NaN}')
    code, _ = _eval("-p", str(policy_dir), "-i", str(tmp_path / "input.json"), "authz/allow")
    assert code == 2


def test_a_policy_that_does_not_compile_exits_2(tmp_path: Path) -> None:
    (tmp_path / "bad.rego").write_text("package authz\nallow if {\n")
    code, output = _eval("-p", str(tmp_path / "bad.rego"), "authz/allow")
    assert code == 2
    assert "bad.rego" in output


def test_an_evaluation_error_exits_2(tmp_path: Path) -> None:
    (tmp_path / "conflict.rego").write_text("package authz\nimport rego.v1\nx := input.a\nx := input.b\n")
    (tmp_path / "input.json").write_text('{"a": 1, "b": 2}')
    code, output = _eval("-p", str(tmp_path), "-i", str(tmp_path / "input.json"), "authz/x")
    assert code == 2
    assert "cannot evaluate authz/x" in output


def test_the_cli_does_not_import_the_runtime_until_eval_runs() -> None:
    code = (
        "import sys\nfrom sentinel.cli import main\nimport sentinel.cli.eval\n"
        "assert not [m for m in sys.modules if m.startswith('sentinel.runtime')], 'runtime imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_without_the_runtime_extra_eval_says_what_to_install(policy_dir: Path) -> None:
    code = (
        "import sys\nsys.modules['pydantic'] = None\nfrom sentinel.cli import main\n"
        f"main(['eval', '-p', {str(policy_dir)!r}, 'authz/allow'])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Error: sentinel eval needs the runtime extra: pip install 'sentinel-policy[runtime]'"
    )
