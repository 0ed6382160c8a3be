"""The action's check and gate steps, run as bash runs them, on real repositories: the gate fails
closed whenever the check did not complete, whatever results file the repository holds."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import GitRepo

ROOT = Path(__file__).resolve().parents[2]
POLICY = 'package main\nimport rego.v1\ndeny contains "never" if { input.kind == "files"; false }\n'


@dataclass
class Step:
    exit_code: int
    outputs: dict[str, str]
    log: str


@pytest.fixture
def action() -> dict[str, str]:
    steps = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))["runs"]["steps"]
    return {step["id"]: step["run"] for step in steps if "id" in step}


@pytest.fixture
def run_step(tmp_path: Path, git_repo: GitRepo, action: dict[str, str]) -> Callable[..., Step]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "sentinel"
    shim.write_text(f"#!/bin/sh\nexec '{sys.executable}' -c 'from sentinel.cli import main; main()' \"$@\"\n")
    shim.chmod(0o755)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()

    def run(step_id: str, **env: str) -> Step:
        output = tmp_path / f"{step_id}.out"
        output.write_text("")
        full_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "SENTINEL_"))},
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_OUTPUT": str(output),
            "RUNNER_TEMP": str(runner_temp),
            "BASE": "",
            "CONFIG": "",
            "RESULTS": "sentinel-results.json",
            "POST": "false",
            "GATE": "true",
            "GITHUB_TOKEN": "",
            **env,
        }
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", action[step_id]],  # as Actions runs it
            cwd=git_repo.root,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
        return Step(done.returncode, outputs, done.stdout + done.stderr)

    return run


def test_a_committed_empty_results_file_and_a_check_broken_by_its_config_fail_the_gate(
    git_repo: GitRepo, run_step: Callable[..., Step]
) -> None:
    git_repo.write("sentinel-results.json", "[]\n")
    git_repo.write("conftest.yml", "extract:\n  kinds: [horoscope]\n")
    git_repo.commit()
    check = run_step("check")
    assert check.outputs["exit-code"] == "2", check.log
    gate = run_step("gate", CHECK_EXIT=check.outputs["exit-code"])
    assert gate.exit_code == 2, gate.log
    assert gate.outputs["exit-code"] == "2"


def test_the_gate_fails_when_the_check_never_ran_even_with_a_valid_results_file(
    git_repo: GitRepo, run_step: Callable[..., Step]
) -> None:
    git_repo.write("policy/p.rego", POLICY)
    git_repo.write("conftest.yml", "policy: [policy]\nextract:\n  kinds: [files]\n")
    git_repo.write(".gitignore", ".sentinel/\nsentinel-results.json\n")
    git_repo.commit()
    check = run_step("check")
    assert check.outputs["exit-code"] == "0", check.log
    assert run_step("gate", CHECK_EXIT="0").exit_code == 0
    gate = run_step("gate", CHECK_EXIT="")
    assert gate.exit_code == 2
    assert "sentinel check did not complete (exit none)" in gate.log
