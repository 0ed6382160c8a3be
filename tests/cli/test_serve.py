"""``sentinel serve``: usage errors exit 2 with one line; the real server runs with several workers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from sentinel.cli import main
from sentinel.cli.serve import MISSING_EXTRA, parse_addr
from testsupport.files import write
from testsupport.processes import free_port, running

POLICY = 'package sentinel.decision\n\nimport rego.v1\n\ndeny contains "no" if input.action == "delete"\n'
CLI = "import sys; from sentinel.cli import main; sys.exit(main())"


def _policy(tmp_path: Path) -> Path:
    write(tmp_path / "policy", "decision.rego", POLICY)
    return tmp_path / "policy"


def _fails_with_one_line(args: list[str]) -> str:
    result = CliRunner().invoke(main, ["serve", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    return lines[-1]


@pytest.mark.parametrize("addr", ["8181", "localhost:", "localhost:http", "127.0.0.1:0", "127.0.0.1:70000"])
def test_a_bad_addr_is_a_usage_error(tmp_path: Path, addr: str) -> None:
    assert "--addr" in _fails_with_one_line(["--policy", str(_policy(tmp_path)), "--addr", addr])


def test_addr_accepts_ipv6_in_brackets() -> None:
    assert parse_addr("[::1]:8181") == ("::1", 8181)


def test_serving_needs_policies_or_tenant_packs() -> None:
    assert "--policy" in _fails_with_one_line([])


def test_a_policy_that_does_not_compile_is_an_error_before_listening(tmp_path: Path) -> None:
    write(tmp_path / "broken", "p.rego", "package sentinel.decision\n\ndeny contains if {{{\n")
    assert _fails_with_one_line(["--policy", str(tmp_path / "broken"), "--addr", f"127.0.0.1:{free_port()}"])


def test_a_bad_masking_rule_is_a_usage_error(tmp_path: Path) -> None:
    line = _fails_with_one_line(["--policy", str(_policy(tmp_path)), "--decision-log-mask", "/labels/x"])
    assert "/input and /result" in line


def test_without_the_runtime_extra_serve_says_how_to_install_it(tmp_path: Path) -> None:
    # A fresh interpreter where starlette cannot be imported, as on an install without the extra.
    code = "import sys; sys.modules['starlette'] = None; " + CLI.split("; ", 1)[1]
    result = subprocess.run(
        [sys.executable, "-c", code, "serve", "--policy", str(_policy(tmp_path))],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"Error: {MISSING_EXTRA}"


def test_loading_the_serve_command_does_not_import_the_runtime() -> None:
    code = "import sys, sentinel.cli.serve; print(any(m.startswith('sentinel.runtime') for m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "False"


def test_several_workers_serve_decisions(tmp_path: Path) -> None:
    port = free_port()
    argv = [sys.executable, "-c", CLI, "serve", "--policy", str(_policy(tmp_path)),
            "--addr", f"127.0.0.1:{port}", "--workers", "2"]
    log = tmp_path / "serve.log"
    with running(argv, port, log), httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        request = {"tenant": "acme", "subject": "bob", "action": "delete", "resource": "r"}
        answers = {client.post("/v1/evaluate", json=request).json()["decision"] for _ in range(20)}
        assert answers == {"deny"}
        assert client.get("/readyz").status_code == 200


def test_a_decision_log_that_cannot_be_opened_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "log.jsonl"
    line = _fails_with_one_line(["--policy", str(_policy(tmp_path)), "--decision-log", str(missing)])
    assert "--decision-log" in line
