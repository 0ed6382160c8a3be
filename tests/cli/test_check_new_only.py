"""`sentinel check --new-only --base REV`: failures already present at the base do not block."""

from __future__ import annotations

import json
import subprocess

import pytest
from click.testing import CliRunner

from sentinel.cli import main
from tests.conftest import GitRepo

POLICY = """
package repo.layout
import rego.v1
deny contains {"msg": sprintf("%s: no scripts at the top level", [f.path]),
               "_loc": {"file": f.path, "line": 1}} if {
    input.kind == "files"
    some f in input.files
    endswith(f.path, ".sh")
}
"""


def _check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["check", "-p", "policies", "-k", "files", "--no-color", *args], catch_exceptions=False
    )
    return result.exit_code, result.output


@pytest.fixture
def repo(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    git_repo.write("policies/layout.rego", POLICY)
    git_repo.write("old.sh", "echo old\n")
    monkeypatch.chdir(git_repo.root)
    return git_repo


def test_only_the_failure_the_change_adds_blocks(repo: GitRepo) -> None:
    base = repo.commit("base")
    repo.write("new.sh", "echo new\n")
    repo.commit("head")
    code, out = _check("--new-only", "--base", base)
    assert code == 1, out
    assert "FAIL - .sentinel/inputs/files.json - repo.layout - new.sh: no scripts at the top level" in out
    assert "EXCP - .sentinel/inputs/files.json - repo.layout - old.sh: no scripts at the top level" in out
    assert f"NOTE - 1 failure already present at base {base[:12]} reported as exceptions (--new-only)" in out


def test_failures_that_were_all_there_at_the_base_pass(repo: GitRepo) -> None:
    base = repo.commit("base")
    repo.write("README.md", "docs\n")
    repo.commit("head")
    code, out = _check("--new-only", "--base", base, "-o", "json")
    assert code == 0, out
    [result] = json.loads(out)
    assert "failures" not in result
    [hidden] = result["exceptions"]
    assert hidden["msg"] == "old.sh: no scripts at the top level"
    assert hidden["metadata"]["existing_at_base"] == base


def test_without_new_only_the_old_failure_still_blocks(repo: GitRepo) -> None:
    base = repo.commit("base")
    repo.write("README.md", "docs\n")
    repo.commit("head")
    code, _ = _check("--base", base)
    assert code == 1


def test_new_only_without_base_is_a_usage_error(repo: GitRepo) -> None:
    repo.commit("base")
    code, out = _check("--new-only")
    assert code == 2
    assert "--new-only needs --base" in out


def test_an_unknown_base_is_an_error(repo: GitRepo) -> None:
    repo.commit("base")
    code, out = _check("--new-only", "--base", "no-such-branch")
    assert code == 2, out


@pytest.mark.parametrize("entry", ["..", ".git", ".GIT"])
def test_a_base_tree_with_an_entry_that_could_leave_the_copy_is_refused(repo: GitRepo, entry: str) -> None:
    """git's object store can hold trees that no checkout would write (made with `git mktree`)."""
    repo.commit("start")
    blob = _git(repo, b"[core]\n\tbare = true\n", "hash-object", "-w", "--stdin")
    inner = _git(repo, f"100644 blob {blob}\tconfig\n".encode(), "mktree")
    line = f"100644 blob {blob}\t{entry}\n" if entry == ".." else f"040000 tree {inner}\t{entry}\n"
    crafted = _git(repo, line.encode(), "mktree")
    base = repo.repo.git.commit_tree(crafted, "-p", "HEAD", "-m", "crafted")
    repo.repo.git.merge(base, "--no-edit", "-s", "ours")
    code, out = _check("--new-only", "--base", base)
    assert code == 2, out
    assert "unsafe path" in out
    assert not (repo.root.parent / "config").exists()


def _git(repo: GitRepo, stdin: bytes, *args: str) -> str:
    done = subprocess.run(["git", *args], input=stdin, cwd=repo.root, capture_output=True, check=True)
    return done.stdout.decode().strip()
