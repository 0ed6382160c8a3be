"""Globs in conftest.yml that match no file of the repository are errors naming file, line and key:
`sentinel check` exits 2 before extracting anything."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result

from sentinel.cli import main
from tests.conftest import GitRepo


def _check(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> Result:
    monkeypatch.chdir(repo.root)
    return CliRunner().invoke(main, ["check", "-k", "files"], catch_exceptions=False)


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    git_repo.write("app/core.py", "x = 1\n")
    git_repo.write("tests/test_core.py", "def test_x() -> None:\n    pass\n")
    git_repo.commit("code")
    return git_repo


def test_an_exclude_glob_that_matches_nothing_is_an_error_naming_file_line_and_key(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write("conftest.yml", "extract:\n  exclude:\n    - 'app/**'\n    - 'vendor/**'\n")
    result = _check(repo, monkeypatch)
    assert result.exit_code == 2, result.output
    assert "conftest.yml:4: extract.exclude: glob 'vendor/**' matches no file" in result.output
    assert "app/**" not in result.output


def test_a_layer_glob_that_matches_nothing_is_an_error(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write(
        "conftest.yml",
        "extract:\n  options:\n    files:\n      layers:\n"
        "        app: ['app/**']\n        api: ['src/api/**']\n",
    )
    result = _check(repo, monkeypatch)
    assert result.exit_code == 2, result.output
    assert (
        "conftest.yml:6: extract.options.files.layers.api: glob 'src/api/**' matches no file" in result.output
    )


def test_every_params_paths_glob_is_checked(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write(
        "conftest.yml",
        "params:\n  core:\n    paths: ['app/**']\n  testing:\n    integration_test_paths: ['tests/it/**']\n"
        "  observability:\n    service_paths: ['srv/*.py']\n",
    )
    result = _check(repo, monkeypatch)
    assert result.exit_code == 2, result.output
    assert "conftest.yml:5: params.testing.integration_test_paths: glob 'tests/it/**' matches no file" in (
        result.output
    )
    assert (
        "conftest.yml:7: params.observability.service_paths: glob 'srv/*.py' matches no file" in result.output
    )


def test_globs_that_match_files_pass(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write(
        "conftest.yml",
        "extract:\n  exclude: ['tests/**']\n  options:\n    files:\n      layers:\n"
        "        app: ['app/*.py']\n"
        "params:\n  core:\n    paths: ['app']\n",
    )
    result = _check(repo, monkeypatch)
    assert result.exit_code == 0, result.output
