"""Repository-controlled names, revisions and git settings never make a tool run anything.

Every repository here is a real one made with ``git``; the "attack" is a program committed in the
repository that writes a marker file outside it when run. No marker may ever appear.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sentinel.cli import main
from sentinel.extractors import gitrepo
from sentinel.extractors.run import run_extractors
from tests.conftest import GitRepo

PROTO = 'syntax = "proto3";\npackage p;\nmessage A { string id = 1; }\n'


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def evil_program(repo: GitRepo, rel: str, marker: Path) -> None:
    """A committed executable that leaves ``marker`` behind when anything runs it."""
    path = repo.write(rel, f"#!/bin/sh\necho ran >> '{marker}'\nexit 1\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def sentinel(root: Path, *args: str) -> Result:
    out = root.parent / "out"
    return CliRunner().invoke(main, ["extract", "--root", str(root), "--out", str(out), *args])


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "PWNED"


def test_proto_file_names_that_look_like_protoc_options_run_no_plugin(
    git_repo: GitRepo, marker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evil_program(git_repo, "evil.proto", marker)
    git_repo.write("--plugin=protoc-gen-evil=evil.proto", PROTO.replace("package p", "package q"))
    git_repo.write("--evil_out=..proto", PROTO.replace("package p", "package r"))
    git_repo.write("a.proto", PROTO)
    git_repo.commit()
    monkeypatch.chdir(git_repo.root)  # protoc resolves a relative --plugin path against the cwd

    doc = run_extractors(git_repo.root, ["proto"])["proto"]

    assert not marker.exists()
    assert [f["file"] for f in doc["files"]] == [
        "--evil_out=..proto",
        "--plugin=protoc-gen-evil=evil.proto",
        "a.proto",
    ]
    assert [(p["file"], p["code"]) for p in doc["problems"]] == [("evil.proto", "compile_error")]


def test_a_committed_grpc_tools_package_is_not_imported_by_the_protoc_child(
    git_repo: GitRepo, marker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git_repo.write("grpc_tools/__init__.py", f"open({str(marker)!r}, 'w').write('ran')\n")
    git_repo.write("grpc_tools/protoc.py", f"open({str(marker)!r}, 'w').write('ran')\n")
    git_repo.write("a.proto", PROTO)
    git_repo.commit()
    monkeypatch.chdir(git_repo.root)

    doc = run_extractors(git_repo.root, ["proto"])["proto"]

    assert not marker.exists()
    assert [f["file"] for f in doc["files"]] == ["a.proto"]


def test_a_name_with_newlines_is_an_unsafe_name_problem_and_reaches_no_tool(
    git_repo: GitRepo, marker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evil_program(git_repo, "evil.sh", marker)
    git_repo.write("a.proto", PROTO)
    git_repo.write("b.proto", PROTO.replace("package p", "package q"))
    git_repo.write("a.proto\n--plugin=protoc-gen-evil=evil.sh\n--evil_out=.\nb.proto", PROTO)
    git_repo.commit()
    monkeypatch.chdir(git_repo.root)

    docs = run_extractors(git_repo.root, ["files", "proto"])

    assert not marker.exists()
    assert [f["file"] for f in docs["proto"]["files"]] == ["a.proto", "b.proto"]
    unsafe = [p for p in docs["files"]["problems"] if p["code"] == "unsafe_name"]
    escaped = "a.proto\\n--plugin=protoc-gen-evil=evil.sh\\n--evil_out=.\\nb.proto"
    assert [p["file"] for p in unsafe] == [escaped]
    assert all("\n" not in f["path"] for f in docs["files"]["files"])


def test_a_name_that_is_not_utf8_is_an_unsafe_name_problem(git_repo: GitRepo) -> None:
    git_repo.write("ok.txt", "fine\n")
    (git_repo.root / os.fsdecode(b"caf\xff.txt")).write_text("bytes\n")
    git(git_repo.root, "add", "-A")
    git(git_repo.root, "commit", "-q", "-m", "non-UTF-8 name")  # GitPython cannot commit it

    doc = run_extractors(git_repo.root, ["files"])["files"]

    assert [f["path"] for f in doc["files"]] == ["ok.txt"]
    assert [(p["file"], p["code"]) for p in doc["problems"]] == [("caf\\xff.txt", "unsafe_name")]


def test_diff_drivers_textconv_and_fsmonitor_from_the_repository_run_nothing(
    git_repo: GitRepo, marker: Path
) -> None:
    evil_program(git_repo, "evil.sh", marker)
    git_repo.write(".gitattributes", "*.txt diff=evil\n")
    git_repo.write("notes.txt", "one\n")
    base = git_repo.commit("base")
    program = str(git_repo.root / "evil.sh")
    for key, value in [("diff.evil.textconv", program), ("diff.evil.command", program),
                       ("diff.external", program), ("core.fsmonitor", program)]:
        git(git_repo.root, "config", key, value)
    git_repo.write("notes.txt", "one\ntwo\n")

    doc = run_extractors(git_repo.root, ["changes"], base=base)["changes"]

    assert not marker.exists()
    assert [(f["file"], f["added_lines"]) for f in doc["files"]] == [("notes.txt", [2])]


def test_git_variables_of_a_calling_hook_do_not_redirect_git(
    git_repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git_repo.write("mine.txt", "x\n")
    git_repo.commit()
    other = GitRepo(tmp_path / "other")
    other.write("theirs.txt", "y\n")
    other.commit()
    monkeypatch.setenv("GIT_DIR", str(other.root / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other.root))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other.root / ".git" / "index"))

    assert gitrepo.list_files(git_repo.root) == ["mine.txt"]
    assert gitrepo.head_revision(git_repo.root) == git_repo.repo.head.commit.hexsha


@pytest.mark.parametrize("base", ["--output=OUT", "-p", "--exec=touch OUT"])
def test_a_base_beginning_with_a_dash_never_reaches_git_as_an_option(
    git_repo: GitRepo, tmp_path: Path, base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    git_repo.write("a.txt", "a\n")
    git_repo.commit()
    out = tmp_path / "written-by-git"
    monkeypatch.chdir(git_repo.root)

    result = sentinel(git_repo.root, "--base", base.replace("OUT", str(out)), "-k", "changes")

    assert result.exit_code == 2
    assert "is not a revision name" in result.stderr and "internal error" not in result.stderr
    assert not out.exists()


@pytest.fixture
def diverged(tmp_path: Path) -> Path:
    """main: c1 - c2, feature: c1 - c3; a source for shallow clones."""
    src = GitRepo(tmp_path / "src")
    src.write("a.txt", "1\n")
    src.commit("c1")
    git(src.root, "branch", "feature")
    src.write("a.txt", "1\n2\n")
    src.commit("c2")
    git(src.root, "checkout", "-q", "feature")
    src.write("b.txt", "3\n")
    src.commit("c3")
    return src.root


def test_a_shallow_clone_without_the_merge_base_is_a_clear_error(
    diverged: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-single-branch", "--branch", "feature",
        f"file://{diverged}", str(clone))
    monkeypatch.chdir(clone)

    result = sentinel(clone, "--base", "origin/main", "-k", "changes")

    assert result.exit_code == 2
    assert "internal error" not in result.stderr
    assert "no merge base" in result.stderr and git(clone, "rev-parse", "origin/main")[:12] in result.stderr
    assert "git fetch --unshallow" in result.stderr and "fetch-depth" in result.stderr


def test_a_base_missing_from_a_shallow_clone_says_to_fetch_it(
    diverged: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = git(diverged, "rev-list", "--max-parents=0", "HEAD")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{diverged}", str(clone))
    monkeypatch.chdir(clone)

    result = sentinel(clone, "--base", first, "-k", "changes")

    assert result.exit_code == 2
    assert f"base revision {first!r} does not exist" in result.stderr
    assert "git fetch --unshallow" in result.stderr


def test_unrelated_histories_are_an_error_not_a_comparison_with_the_base(git_repo: GitRepo) -> None:
    git_repo.write("a.txt", "a\n")
    git_repo.commit()
    git(git_repo.root, "checkout", "-q", "--orphan", "other")
    git_repo.write("b.txt", "b\n")
    other = git_repo.commit()
    git(git_repo.root, "checkout", "-q", "main")

    with pytest.raises(gitrepo.GitError, match=r"no merge base .* the histories are unrelated"):
        run_extractors(git_repo.root, ["changes"], base=other)


def test_a_newline_name_only_in_the_base_revision_reaches_no_tool(
    git_repo: GitRepo, marker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evil_program(git_repo, "evil.sh", marker)
    git_repo.write("a.proto", PROTO)
    git_repo.write("b.proto", PROTO.replace("package p", "package q"))
    sneaky = "a.proto\n--plugin=protoc-gen-evil=evil.sh\n--evil_out=.\nb.proto"
    git_repo.write(sneaky, PROTO)
    base = git_repo.commit("base")
    git_repo.remove(sneaky)
    git_repo.commit("head")
    monkeypatch.chdir(git_repo.root)

    doc = run_extractors(git_repo.root, ["proto"], base=base)["proto"]

    assert not marker.exists()
    assert [(p["file"], p["code"]) for p in doc["problems"]] == [(sneaky.replace("\n", "\\n"), "unsafe_name")]


def test_include_paths_with_newlines_are_refused(
    git_repo: GitRepo, marker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evil_program(git_repo, "evil.sh", marker)
    git_repo.write("a.proto", PROTO)
    includes = ["inc\n--plugin=protoc-gen-evil=evil.sh", "inc\n--evil_out=.", "."]
    for inc in includes[:2]:
        git_repo.write(f"{inc}/keep.txt", "")
    git_repo.commit()
    monkeypatch.chdir(git_repo.root)

    settings = {"options": {"proto": {"include_paths": includes}}}
    doc = run_extractors(git_repo.root, ["proto"], settings=settings)["proto"]

    assert not marker.exists()
    assert [f["file"] for f in doc["files"]] == ["a.proto"]
    assert sorted(p["code"] for p in doc["problems"]) == ["bad_option", "bad_option"]
