"""Writes stay where they belong: `extract` and `check` on real repositories with hostile layouts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentinel.cli import main
from tests.conftest import GitRepo

POLICY = (
    'package repo\nimport rego.v1\ndeny contains "top-level script" if { input.kind == "files"; false }\n'
)


def _invoke(*args: str, **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def repo(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    git_repo.write("policies/p.rego", POLICY)
    git_repo.write("app/main.py", "import os\n")
    monkeypatch.chdir(git_repo.root)
    return git_repo


def test_extract_into_the_repository_root_is_refused_and_its_coverage_json_untouched(repo: GitRepo) -> None:
    repo.write("coverage.json", '{"totals": {"percent_covered": 91}}\n')
    repo.commit()
    code, output = _invoke("extract", "-k", "coverage", "-k", "files", "--out", ".")
    assert code == 2
    assert "files Sentinel did not write" in output
    assert (repo.root / "coverage.json").read_text() == '{"totals": {"percent_covered": 91}}\n'
    assert not (repo.root / "files.json").exists()


def test_a_configured_output_folder_outside_the_repository_is_refused(repo: GitRepo, tmp_path: Path) -> None:
    repo.write("conftest.yml", "extract:\n  out: ../outside\n")
    repo.commit()
    code, output = _invoke("check", "-p", "policies", "-k", "files")
    assert code == 2 and "outside the repository" in output
    assert not (tmp_path / "outside").exists()


def test_an_output_folder_the_user_names_outside_the_repository_is_written(
    repo: GitRepo, tmp_path: Path
) -> None:
    repo.commit()
    code, _ = _invoke("extract", "-k", "files", "--out", str(tmp_path / "inputs"))
    assert code == 0
    assert sorted(os.listdir(tmp_path / "inputs")) == [".sentinel-owned", "files.json"]


def test_a_committed_symlink_for_the_inputs_folder_is_refused_and_nothing_is_written_outside(
    repo: GitRepo, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo.root / ".sentinel").mkdir()
    (repo.root / ".sentinel" / "inputs").symlink_to("../../outside")
    repo.commit()
    code, output = _invoke("check", "-p", "policies", "-k", "files")
    assert code == 2
    assert ".sentinel/inputs: refusing to write: 'inputs' on the way is a symlink" in output
    assert os.listdir(outside) == []


def test_a_committed_symlink_at_the_results_path_is_refused_and_its_target_unchanged(
    repo: GitRepo, tmp_path: Path
) -> None:
    target = tmp_path / "victim.json"
    target.write_text("[]\n")
    link = repo.root / "results.json"
    link.symlink_to(target)
    repo.commit()
    code, output = _invoke("check", "-p", "policies", "-k", "files", "--results-file", link.name)
    assert code == 2 and "results.json: refusing to write: it is a symlink" in output
    assert target.read_text() == "[]\n"
    assert link.is_symlink()


def test_a_file_that_is_not_a_results_file_is_not_overwritten(repo: GitRepo) -> None:
    repo.write("README.md", "# Widgets\n")
    repo.commit()
    code, output = _invoke("check", "-p", "policies", "-k", "files", "--results-file", "README.md")
    assert code == 2 and "not a file Sentinel wrote" in output
    assert (repo.root / "README.md").read_text() == "# Widgets\n"


def test_inputs_an_earlier_sentinel_wrote_without_a_marker_are_adopted(repo: GitRepo) -> None:
    repo.commit()
    legacy = repo.root / ".sentinel" / "inputs"
    legacy.mkdir(parents=True)
    (legacy / "files.json").write_text(json.dumps({"kind": "files", "schema_version": 1, "files": []}))
    code, _ = _invoke("extract", "-k", "files")
    assert code == 0
    assert json.loads((legacy / "files.json").read_text())["files"] != []
    assert (legacy / ".sentinel-owned").is_file()
