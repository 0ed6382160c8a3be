"""The GitLab CI template's and the Buildkite step's scripts, run by bash as the runners run them, on
real repositories: exit codes, reports, the merge-request note (on the local GitLab stand-in) and the
annotation.

The install lines (pip from PyPI) are not run: the scripts find this environment's ``sentinel``
first on PATH. ``buildkite-agent`` is a stand-in that records its arguments and standard input:
the real agent needs a Buildkite job to talk to.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import GitRepo
from testsupport.gitlab_server import FakeGitLab

ROOT = Path(__file__).resolve().parents[2]
BIN = str(Path(sys.executable).parent)
TOKEN = "glpat-template-token"
CONFIG = "policy:\n  - policy\nlibrary: false\nextract:\n  kinds: [todos]\n"
POLICY = """package main

deny contains msg if {
	input.kind == "todos"
	some t in input.todos
	t.ticket == null
	msg := sprintf("TODO without a ticket id in %s", [t.file])
}
"""


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    git_repo.write("conftest.yml", CONFIG)
    git_repo.write("policy/todos.rego", POLICY)
    git_repo.write("app/a.py", "x = 1  # TODO fix\n")
    git_repo.commit("a finding")
    return git_repo


@pytest.fixture
def gitlab() -> Iterator[FakeGitLab]:
    server = FakeGitLab(TOKEN).start()
    try:
        yield server
    finally:
        server.stop()


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CI_", "SENTINEL_", "BUILDKITE"))}
    return {**env, "PATH": f"{BIN}{os.pathsep}{env['PATH']}", **extra}


def gitlab_script() -> str:
    job = yaml.safe_load((ROOT / "ci" / "gitlab" / "sentinel.gitlab-ci.yml").read_text(encoding="utf-8"))
    (script,) = job["sentinel"]["script"]
    return str(script)


def run_gitlab(repo: GitRepo, **env: str) -> subprocess.CompletedProcess[str]:
    full = clean_env(SENTINEL_VENV=str(repo.root / "no-venv"), SENTINEL_ARGS="", **env)
    return subprocess.run(["bash", "-e", "-c", gitlab_script()], cwd=repo.root, env=full, capture_output=True,
                          text=True, check=False, timeout=180)


def merge_request(server: FakeGitLab) -> dict[str, str]:
    return {"CI_SERVER_URL": server.url, "CI_PROJECT_ID": "1", "CI_MERGE_REQUEST_IID": "5",
            "CI_COMMIT_SHA": "c" * 40, "SENTINEL_GITLAB_TOKEN": TOKEN}


def test_gitlab_job_fails_with_findings_and_writes_both_reports(repo: GitRepo, gitlab: FakeGitLab) -> None:
    proc = run_gitlab(repo, **merge_request(gitlab))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    (issue,) = json.loads((repo.root / "gl-code-quality-report.json").read_text(encoding="utf-8"))
    assert issue["description"] == "TODO without a ticket id in app/a.py"
    suites = ET.parse(repo.root / "sentinel-junit.xml").getroot()
    assert len(list(suites.iter("failure"))) == 1


def test_gitlab_job_posts_one_merge_request_note(repo: GitRepo, gitlab: FakeGitLab) -> None:
    run_gitlab(repo, **merge_request(gitlab))
    run_gitlab(repo, **merge_request(gitlab))
    (note,) = gitlab.user_notes(5)
    assert "TODO without a ticket id in app/a.py" in note.body


def test_gitlab_job_on_the_default_branch_posts_nothing(repo: GitRepo, gitlab: FakeGitLab) -> None:
    env = merge_request(gitlab)
    del env["CI_MERGE_REQUEST_IID"]
    proc = run_gitlab(repo, **env)
    assert proc.returncode == 1
    assert gitlab.requests == []


def test_gitlab_job_fails_closed_when_the_check_cannot_run(repo: GitRepo, gitlab: FakeGitLab) -> None:
    repo.write("conftest.yml", "policy: [\n")
    proc = run_gitlab(repo, **merge_request(gitlab))
    assert proc.returncode == 2
    assert "sentinel check did not complete (exit 2); the gate fails" in proc.stdout
    assert gitlab.requests == []


def test_gitlab_job_keeps_its_verdict_when_the_note_cannot_be_posted(repo: GitRepo,
                                                                    gitlab: FakeGitLab) -> None:
    proc = run_gitlab(repo, **{**merge_request(gitlab), "SENTINEL_GITLAB_TOKEN": "glpat-wrong"})
    assert proc.returncode == 1
    assert "sentinel: the merge-request note was not posted" in proc.stdout


def buildkite_script() -> str:
    """The check command as the agent runs it: ``$$`` is the pipeline's escape for ``$``."""
    pipeline = yaml.safe_load((ROOT / "ci" / "buildkite" / "pipeline.yml").read_text(encoding="utf-8"))
    (step,) = pipeline["steps"]
    return str(step["commands"][1]).replace("$$", "$")


@pytest.fixture
def agent(tmp_path: Path) -> Path:
    """A stand-in ``buildkite-agent``: writes its arguments, then its standard input, to a file."""
    folder = tmp_path / "agent-bin"
    folder.mkdir()
    record = tmp_path / "agent-calls.txt"
    script = folder / "buildkite-agent"
    script.write_text(f'#!/bin/sh\n{{ echo "$*"; cat; }} >> "{record}"\n', encoding="utf-8")
    script.chmod(0o755)
    return folder


def run_buildkite(repo: GitRepo, agent: Path) -> subprocess.CompletedProcess[str]:
    env = clean_env(HOME=str(repo.root.parent / "home"))
    env["PATH"] = f"{agent}{os.pathsep}{env['PATH']}"
    return subprocess.run(["bash", "-e", "-c", buildkite_script()], cwd=repo.root, env=env,
                          capture_output=True, text=True, check=False, timeout=180)


def test_buildkite_step_fails_and_posts_an_error_annotation(repo: GitRepo, agent: Path) -> None:
    proc = run_buildkite(repo, agent)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    calls = (agent.parent / "agent-calls.txt").read_text(encoding="utf-8")
    assert calls.startswith("annotate --style error --context sentinel\n# Sentinel policy report\n")
    assert "TODO without a ticket id in app/a.py" in calls


def test_buildkite_step_posts_a_success_annotation_on_a_clean_run(repo: GitRepo, agent: Path) -> None:
    repo.write("app/a.py", "x = 1\n")
    proc = run_buildkite(repo, agent)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    calls = (agent.parent / "agent-calls.txt").read_text(encoding="utf-8")
    assert calls.startswith("annotate --style success --context sentinel\n")


def test_buildkite_step_fails_closed_when_the_check_cannot_run(repo: GitRepo, agent: Path) -> None:
    repo.write("conftest.yml", "policy: [\n")
    proc = run_buildkite(repo, agent)
    assert proc.returncode == 2
    assert not (agent.parent / "agent-calls.txt").exists()
