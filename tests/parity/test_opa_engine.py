"""The OPA adapter behind the engine port: --engine opa, and the flags only OPA can serve."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentinel.cli import main
from sentinel.runner.engine import PolicySource
from sentinel.runner.opa_engine import OpaEngine
from testsupport.files import write

POLICY = 'package main\n\ndeny contains sprintf("%s is public", [input.name]) if input.public\n'


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opa_bin: str) -> Path:
    write(tmp_path, "policy/main.rego", POLICY)
    write(tmp_path, "in.json", '{"name": "logs", "public": true}')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SENTINEL_OPA", opa_bin)
    return tmp_path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_engine_opa_reports_the_same_failure(workdir: Path) -> None:
    code, out, _ = invoke("test", "--engine", "opa", "in.json")
    assert code == 1
    assert "FAIL - in.json - main - logs is public" in out


def test_trace_prints_opa_evaluation_trace_to_stderr(workdir: Path) -> None:
    code, out, err = invoke("test", "--trace", "-o", "json", "in.json")
    assert code == 1
    assert '"msg": "logs is public"' in out
    assert "Enter" in err and "policy/main.rego" in err


def test_strict_rejects_what_opa_check_strict_rejects(workdir: Path) -> None:
    write(workdir, "policy/extra.rego", "package main\n\nimport data.unused\n\nwarn contains 1 if false\n")
    code, _, err = invoke("test", "--strict", "in.json")
    assert code == 2
    assert "unused" in err


def test_capabilities_refuse_a_builtin_left_out(workdir: Path) -> None:
    write(
        workdir,
        "caps.json",
        '{"features": ["rego_v1"], "builtins": [{"name": "eq", "decl": {"type": "function", "args": '
        '[{"type": "any"}, {"type": "any"}], "result": {"type": "boolean"}}}]}',
    )
    code, _, err = invoke("test", "--capabilities", "caps.json", "in.json")
    assert code == 2
    assert "sprintf" in err


def test_flags_without_opa_exit_2_saying_how_to_get_it(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENTINEL_OPA", str(workdir / "no-such-opa"))
    for flag in (["--engine", "opa"], ["--trace"], ["--strict"], ["--capabilities", "caps.json"]):
        code, _, err = invoke("test", *flag, "in.json")
        assert code == 2, flag
        assert "go install github.com/open-policy-agent/opa@v1.22.4" in err, flag


def test_policy_error_names_file_and_line(workdir: Path) -> None:
    write(workdir, "policy/broken.rego", 'package main\n\ndeny contains "x" if {\n')
    code, _, err = invoke("test", "--engine", "opa", "in.json")
    assert code == 2
    assert "broken.rego" in err


def test_verify_runs_policy_tests_with_opa(workdir: Path) -> None:
    write(
        workdir,
        "policy/main_test.rego",
        'package main\n\ntest_public if {\n\tprint("checked")\n'
        '\tdeny["logs is public"] with input as {"name": "logs", "public": true}\n}\n\n'
        "test_wrong if {\n\tcount(deny) == 1 with input as {}\n}\n",
    )
    code, out, _ = invoke("verify", "--engine", "opa", "--report", "full")
    assert code == 1
    assert "data.main.test_wrong" in out
    assert "checked" in out


def test_engine_stops_its_server_on_close(workdir: Path, opa_bin: str) -> None:
    engine = OpaEngine([PolicySource("policy/main.rego", POLICY)], {}, opa=opa_bin)
    assert engine.namespaces() == ["main"]
    proc = engine._proc
    engine.close()
    assert proc is not None and proc.poll() is not None


def _servers_of(binary: Path) -> list[int]:
    """PIDs of live `opa run --server` processes started from ``binary``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().split(") ", 1)[1][0]
        except OSError:
            continue
        if argv[0] == str(binary).encode() and b"--server" in argv and state != "Z":
            found.append(int(entry.name))
    return found


def test_no_opa_server_outlives_a_parallel_run(tmp_path: Path, opa_bin: str) -> None:
    """Many inputs run in a worker pool, each worker with its own OPA server: every server must be
    gone when the command ends (they were left running, one per worker, using CPU)."""
    binary = tmp_path / "bin" / "opa"
    binary.parent.mkdir()
    binary.symlink_to(opa_bin)
    write(tmp_path, "policy/main.rego", POLICY)
    for i in range(250):
        write(tmp_path, f"inputs/in{i:03d}.json", f'{{"name": "n{i}", "public": {str(i % 2 == 0).lower()}}}')
    sentinel = str(Path(sys.executable).with_name("sentinel"))
    proc = subprocess.run(
        [sentinel, "test", "--engine", "opa", "-p", "policy", "inputs"],
        cwd=tmp_path, env={**os.environ, "SENTINEL_OPA": str(binary)},
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 1, proc.stderr
    deadline = time.monotonic() + 5
    while _servers_of(binary) and time.monotonic() < deadline:
        time.sleep(0.1)
    leaked = _servers_of(binary)
    for pid in leaked:
        os.kill(pid, signal.SIGKILL)
    assert leaked == []
