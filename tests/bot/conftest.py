"""Fixtures for the bot: GitHub's OpenAPI contract (loaded once), the local GitHub server, the CLI.

The contract comes from the npm package @octokit/openapi (package-lock.json pins it); run
``npm ci`` at the repository root first. Every server a test starts must end the test with
no contract or limit violations (autouse ``contract_guard``).
"""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from sentinel.cli import main
from sentinel.results_file import RECORD_KEY, RunRecord, checked_out_revision, sha256
from testsupport.github_server import SPEC_FILE, Contract, FakeGitHub

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / SPEC_FILE
HEAD = "a" * 40
BASE = "b" * 40

_started: list[FakeGitHub] = []


@pytest.fixture(scope="session")
def contract() -> Contract:
    if not SPEC.is_file():
        pytest.fail(
            f"GitHub's OpenAPI description is missing ({SPEC.relative_to(ROOT)}). "
            "Run `npm ci` at the repository root: it installs @octokit/openapi as package-lock.json pins it.",
            pytrace=False,
        )
    return Contract(SPEC)


@pytest.fixture(autouse=True)
def contract_guard() -> Iterator[None]:
    """Fail any test whose servers saw a request or sent a response that breaks GitHub's contract."""
    _started.clear()
    yield
    problems = [p for server in _started for p in server.take_errors()]
    for server in _started:
        server.stop()
    _started.clear()
    assert not problems, "GitHub contract violations:\n" + "\n".join(problems)


@pytest.fixture
def github(contract: Contract) -> FakeGitHub:
    server = FakeGitHub(contract).start()
    _started.append(server)
    return server


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str


@dataclass
class Bot:
    """Runs `sentinel` in a work tree with a conftest.yml, against the local server."""

    server: FakeGitHub
    root: Path
    bot_config: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)

    def configure(self, **bot: Any) -> None:
        merged = {"api": {"seconds_between_writes": 0, "backoff": 0.05}, **self.bot_config, **bot}
        self.bot_config = merged
        (self.root / "conftest.yml").write_text(yaml.safe_dump({"bot": merged}), encoding="utf-8")

    def write(self, rel: str, content: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        return path

    def results(self, results: list[dict[str, Any]], name: str = "results.json") -> Path:
        """A results file as `sentinel check --results-file` writes it for this work tree."""
        path = self.root / name
        path.write_text(json.dumps(results_document(self.root, results)), encoding="utf-8")
        return path

    def event(
        self, number: int, head_sha: str = HEAD, base_sha: str = BASE, fork: bool = False, body: str = ""
    ) -> None:
        repo = self.server.repository
        head_repo = f"someone/{repo.split('/')[1]}" if fork else repo
        payload = {
            "action": "synchronize",
            "number": number,
            "pull_request": {
                "number": number,
                "body": body,
                "title": "A change",
                "labels": [],
                "head": {"sha": head_sha, "ref": "feature", "repo": {"full_name": head_repo}},
                "base": {"sha": base_sha, "ref": "main", "repo": {"full_name": repo}},
            },
            "repository": {"full_name": repo},
        }
        path = self.root / "event.json"
        path.write_text(json.dumps(payload), encoding="utf-8")
        self.env.update({"GITHUB_EVENT_PATH": str(path), "GITHUB_EVENT_NAME": "pull_request"})

    def run(self, *args: str, token: bool = True, **env: str) -> Outcome:
        base_env = {
            "GITHUB_REPOSITORY": self.server.repository,
            "GITHUB_API_URL": self.server.url,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": "4242",
            "GITHUB_TOKEN": "ghs_localtesttoken" if token else "",
            "SENTINEL_GITHUB_TOKEN": "",
            "GITHUB_ACTIONS": "",
            "GITHUB_STEP_SUMMARY": "",
            "GITHUB_EVENT_PATH": "",
            "GITHUB_EVENT_NAME": "",
        }
        full_env = {**base_env, **self.env, **env}
        cwd = os.getcwd()
        os.chdir(self.root)
        try:
            result = CliRunner().invoke(main, list(args), env=full_env, catch_exceptions=False)
        finally:
            os.chdir(cwd)
        return Outcome(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def bot(github: FakeGitHub, tmp_path: Path) -> Bot:
    root = tmp_path / "work"
    root.mkdir()
    runner = Bot(github, root)
    runner.configure()
    return runner


def results_document(root: Path, results: list[dict[str, Any]]) -> dict[str, Any]:
    """Conftest results wrapped in the run record of a complete check of ``root``'s checkout."""
    inputs = {str(r["filename"]): sha256(str(r["filename"]).encode()) for r in results}
    record = RunRecord(revision=checked_out_revision(root), policy_hash=sha256(b"policies"), inputs=inputs)
    return {RECORD_KEY: record.to_json(), "results": results}


def failure(
    msg: str,
    rule: str,
    file: str | None = None,
    line: int | None = None,
    category: str | None = None,
    severity: str = "error",
    fix: str = "Fix it.",
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "msg": msg,
        "metadata": {
            "query": "data.main.deny",
            "rule": rule,
            "category": category or rule.split(".")[0],
            "severity": severity,
            "fix": fix,
        },
    }
    if file:
        out["loc"] = {"file": file, "line": line or 1}
    return out


def result(
    failures: list[dict[str, Any]] | None = None, warnings: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"filename": ".sentinel/inputs/files.json", "namespace": "main", "successes": 3}
    if failures:
        out["failures"] = failures
    if warnings:
        out["warnings"] = warnings
    return out
