"""`sentinel extract` and `sentinel check` through the CLI, on real git repositories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentinel.cli import main
from sentinel.extractors import KINDS

REPO_ROOT = Path(__file__).resolve().parents[2]

POLICY = """
package repo.layout
import rego.v1
deny contains {
    "msg": sprintf("%s: no scripts at the top level", [f.path]),
    "_loc": {"file": f.path, "line": 1},
} if {
    input.kind == "files"
    some f in input.files
    not contains(f.path, "/")
    endswith(f.path, ".sh")
}
"""


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def in_repo(git_repo, monkeypatch):
    monkeypatch.chdir(git_repo.root)
    return git_repo


def test_extract_writes_one_document_per_kind(in_repo) -> None:
    in_repo.write("app/main.py", "import os\n")
    in_repo.commit()
    code, _ = _invoke("extract", "-k", "files", "-k", "imports")
    assert code == 0
    written = sorted(p.name for p in (in_repo.root / ".sentinel" / "inputs").iterdir())
    assert written == [".sentinel-owned", "files.json", "imports.json"]
    doc = json.loads((in_repo.root / ".sentinel" / "inputs" / "files.json").read_text())
    assert doc["kind"] == "files" and [f["path"] for f in doc["files"]] == ["app/main.py"]


def test_unknown_base_revision_is_an_error(in_repo) -> None:
    in_repo.write("a.py", "x = 1\n")
    in_repo.commit()
    code, output = _invoke("extract", "--base", "no-such-branch")
    assert code == 2
    assert "no-such-branch" in output and "Traceback" not in output


def test_unknown_kind_is_an_error(in_repo) -> None:
    code, output = _invoke("extract", "-k", "horoscope")
    assert code == 2 and "horoscope" in output


def test_outside_git_kinds_that_need_no_git_still_run(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "a.py").write_text("# plain folder\nimport json\n")
    monkeypatch.chdir(tmp_path)
    code, _ = _invoke("extract", "-k", "files", "-k", "imports", "-k", "todos")
    assert code == 0
    code, output = _invoke("extract", "-k", "changes", "--base", "main")
    assert code == 2 and "git" in output


def test_check_extracts_evaluates_and_fails_on_a_violation(in_repo) -> None:
    in_repo.write("policies/layout.rego", POLICY)
    in_repo.write("deploy.sh", "echo hi\n")
    in_repo.commit()
    code, output = _invoke("check", "-p", "policies", "-k", "files", "--no-color")
    assert code == 1
    assert "deploy.sh: no scripts at the top level" in output
    in_repo.remove("deploy.sh")
    in_repo.commit()
    code, _ = _invoke("check", "-p", "policies", "-k", "files")
    assert code == 0


def test_check_writes_a_results_file_for_the_bot(in_repo) -> None:
    in_repo.write("policies/layout.rego", POLICY)
    in_repo.write("deploy.sh", "echo hi\n")
    in_repo.commit()
    _invoke("check", "-p", "policies", "-k", "files", "--results-file", "results.json")
    results = json.loads((in_repo.root / "results.json").read_text())["results"]
    [failure] = [f for r in results for f in r.get("failures", [])]
    assert failure["loc"] == {"file": "deploy.sh", "line": 1}


def test_this_repository_extracts_every_kind_without_problems(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    out = tmp_path / "inputs"
    code, output = _invoke("extract", "--out", str(out))
    assert code == 0, output
    for kind in KINDS:
        doc = json.loads((out / f"{kind}.json").read_text())
        assert doc["kind"] == kind
        assert doc["problems"] == [], (kind, doc["problems"][:3])


def test_strict_without_opa_is_refused_rather_than_ignored(tmp_path: Path, monkeypatch) -> None:
    # No opa anywhere: an empty PATH and a SENTINEL_OPA that names nothing.
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("SENTINEL_OPA", str(tmp_path / "bin" / "opa"))
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "p.rego").write_text('package main\nimport rego.v1\ndeny contains "x" if false\n')
    (tmp_path / "in.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    code, output = _invoke("test", "--strict", "in.json")
    assert code == 2 and "opa" in output
