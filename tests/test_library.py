"""sentinel.library: the rule library ships with the package and is every command's default."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sentinel import library
from sentinel.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)

    def _run(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return _run


def _count(output: str) -> int:
    summary = [line for line in output.splitlines() if " passed, " in line]
    assert summary, output
    return int(summary[-1].split()[0])


def test_the_library_holds_the_policies_and_their_data() -> None:
    assert sorted(p.name for p in library.policy_dir().iterdir() if p.is_dir()) == sorted(
        p.name for p in (ROOT / "policy-as-code" / "policies").iterdir() if p.is_dir()
    )
    assert (library.data_dir() / "core.yaml").is_file()


def test_verify_without_policy_runs_the_shipped_library(run) -> None:  # type: ignore[no-untyped-def]
    result = run("verify", "--no-color")
    assert result.exit_code == 0, result.output
    assert _count(result.output) > 100


def test_a_vendored_copy_of_the_library_is_not_evaluated_twice(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    alone = _count(run("verify", "--no-color").output)
    shutil.copytree(library.policy_dir(), tmp_path / "policy-as-code" / "policies")
    (tmp_path / "policy-as-code" / "policies" / "own_test.rego").write_text(
        "package own_test\nimport rego.v1\ntest_own if true\n"
    )
    result = run("verify", "--no-color")
    assert result.exit_code == 0, result.output
    assert _count(result.output) == alone + 1


def test_library_false_opts_out(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "own_test.rego").write_text("package own_test\nimport rego.v1\ntest_own if true\n")
    assert _count(run("verify", "--no-library", "--no-color").output) == 1
    (tmp_path / "conftest.yml").write_text("library: false\n")
    assert _count(run("verify", "--no-color").output) == 1
    assert _count(run("verify", "--no-color", "-c", "conftest.yml").output) == 1


def test_an_explicit_policy_is_taken_as_given(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "a_test.rego").write_text("package a_test\nimport rego.v1\ntest_a if true\n")
    assert _count(run("verify", "-p", "mine", "--no-color").output) == 1


def test_overlay_merges_mappings_and_replaces_the_rest() -> None:
    base = {"sentinel": {"params": {"core": {"paths": ["a/**"], "layers": {}}}, "exceptions": [1]}}
    top = {"sentinel": {"params": {"core": {"paths": ["b/**"]}}, "exceptions": []}}
    assert library.overlay(base, None, top) == {
        "sentinel": {"params": {"core": {"paths": ["b/**"], "layers": {}}}, "exceptions": []}
    }
    assert base["sentinel"]["params"]["core"]["paths"] == ["a/**"]
