"""`sentinel check --results-file`: a run record around the results, and no stale file after a failure."""

from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner

from sentinel import __version__
from sentinel.cli import main
from tests.conftest import GitRepo

POLICY = """
package repo.layout
import rego.v1
deny contains {"msg": sprintf("%s: no scripts at the top level", [f.path])} if {
    input.kind == "files"
    some f in input.files
    endswith(f.path, ".sh")
}
"""
BROKEN_CONFIG = "extract:\n  - kinds\n"


def _invoke(*args: str, **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def repo(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    git_repo.write("policies/layout.rego", POLICY)
    git_repo.write("deploy.sh", "echo hi\n")
    monkeypatch.chdir(git_repo.root)
    return git_repo


def test_the_results_file_carries_a_complete_run_record_of_this_checkout(repo: GitRepo) -> None:
    head = repo.commit()
    code, _ = _invoke("check", "-p", "policies", "-k", "files", "--results-file", "results.json")
    assert code == 1
    written = json.loads((repo.root / "results.json").read_text())
    record = written["sentinel_run"]
    assert record["complete"] is True
    assert record["sentinel_version"] == __version__
    assert record["revision"] == head
    assert record["policy_hash"].startswith("sha256:")
    inputs = (repo.root / ".sentinel" / "inputs" / "files.json").read_bytes()
    assert record["inputs"] == {".sentinel/inputs/files.json": "sha256:" + hashlib.sha256(inputs).hexdigest()}
    [failure] = [f for r in written["results"] for f in r.get("failures", [])]
    assert failure["msg"] == "deploy.sh: no scripts at the top level"


@pytest.mark.parametrize(
    "args",
    [
        ("--results-file", "results.json"),
        ("-c", "conftest.yml", "--results-file", "results.json"),
    ],
    ids=["default-config", "config-flag-first"],
)
def test_a_check_that_fails_on_a_broken_config_leaves_no_results_file(
    repo: GitRepo, args: tuple[str, ...]
) -> None:
    repo.write("results.json", "[]\n")
    repo.write("conftest.yml", BROKEN_CONFIG)
    repo.commit()
    code, output = _invoke("check", *args)
    assert code == 2, output
    assert not (repo.root / "results.json").exists()


def test_a_results_file_named_in_the_environment_is_removed_too(repo: GitRepo) -> None:
    repo.write("results.json", "[]\n")
    repo.write("conftest.yml", BROKEN_CONFIG)
    repo.commit()
    code, _ = _invoke("check", SENTINEL_RESULTS_FILE="results.json")
    assert code == 2
    assert not (repo.root / "results.json").exists()


def test_a_check_that_fails_during_evaluation_leaves_no_results_file(repo: GitRepo) -> None:
    repo.commit()
    assert _invoke("check", "-p", "policies", "-k", "files", "--results-file", "results.json")[0] == 1
    repo.write("policies/layout.rego", "package repo.layout\ndeny contains x if {\n")
    code, _ = _invoke("check", "-p", "policies", "-k", "files", "--results-file", "results.json")
    assert code == 2
    assert not (repo.root / "results.json").exists()


def test_check_exits_2_when_the_configured_secrets_baseline_is_missing(repo: GitRepo) -> None:
    repo.write("conftest.yml", "extract:\n  options:\n    secrets:\n      baseline: .secrets.baseline\n")
    repo.commit()
    code, output = _invoke("check", "-p", "policies", "-k", "secrets", "--results-file", "results.json")
    assert code == 2
    assert "configured baseline not found: .secrets.baseline" in output
    assert not (repo.root / "results.json").exists()
