"""The changes extractor: changed files, statuses and added lines against a base revision."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sentinel.extractors import gitrepo
from sentinel.extractors.base import ExtractContext
from sentinel.extractors.changes import NO_BASE_NOTE, extract
from sentinel.extractors.changes_tests import mirrors
from sentinel.extractors.selection import select_files
from sentinel.extractors.testpaths import is_test_path
from sentinel.inputs import dumps


def run(root: Path, base: str | None) -> dict[str, Any]:
    return extract(ExtractContext(root=root, files=tuple(select_files(root)), base=base, is_git=True))


def by_file(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["file"]: f for f in doc["files"]}


@pytest.fixture
def changed(git_repo: Any) -> tuple[Any, str]:
    git_repo.write("app/core.py", "a = 1\nb = 2\nc = 3\nd = 4\n")
    git_repo.write("app/old_name.py", "one\ntwo\nthree\nfour\nfive\nsix\nseven\n")
    git_repo.write("app/gone.py", "x = 1\ny = 2\n")
    git_repo.write("logo.bin", b"\x00\x01\x02")
    base = git_repo.commit("base")
    git_repo.write("app/core.py", "a = 1\nB = 2\nc = 3\nd = 4\ne = 5\nf = 6\n")
    git_repo.repo.git.mv("app/old_name.py", "app/new_name.py")
    git_repo.write("app/new_name.py", "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n")
    git_repo.remove("app/gone.py")
    git_repo.write("tests/test_core.py", "def test_a():\n    assert True\n")
    git_repo.write("logo.bin", b"\x00\x03\x02")
    git_repo.commit("head")
    return git_repo, base


def test_statuses_come_from_git(changed: tuple[Any, str]) -> None:
    repo, base = changed
    files = by_file(run(repo.root, base))
    assert {path: f["status"] for path, f in files.items()} == {
        "app/core.py": "M",
        "app/new_name.py": "R",
        "app/gone.py": "D",
        "tests/test_core.py": "A",
        "logo.bin": "M",
    }
    assert files["app/new_name.py"]["old_path"] == "app/old_name.py"


def test_added_lines_are_the_new_file_line_numbers(changed: tuple[Any, str]) -> None:
    repo, base = changed
    files = by_file(run(repo.root, base))
    assert files["app/core.py"]["added_lines"] == [2, 5, 6]
    assert files["app/new_name.py"]["added_lines"] == [8]
    assert files["tests/test_core.py"]["added_lines"] == [1, 2]
    assert files["app/core.py"]["line"] == 2


def test_added_and_removed_counts(changed: tuple[Any, str]) -> None:
    repo, base = changed
    doc = run(repo.root, base)
    files = by_file(doc)
    assert (files["app/core.py"]["added"], files["app/core.py"]["removed"]) == (3, 1)
    assert (files["app/gone.py"]["added"], files["app/gone.py"]["removed"]) == (0, 2)
    assert doc["totals"] == {"files": 5, "added": 6, "removed": 3, "test_files": 1}


def test_binary_files_have_no_lines(changed: tuple[Any, str]) -> None:
    repo, base = changed
    logo = by_file(run(repo.root, base))["logo.bin"]
    assert (logo["binary"], logo["added_lines"], logo["line"]) == (True, [], 1)


def test_test_files_are_flagged(changed: tuple[Any, str]) -> None:
    repo, base = changed
    files = by_file(run(repo.root, base))
    assert files["tests/test_core.py"]["is_test"] is True
    assert files["app/core.py"]["is_test"] is False


def test_uncommitted_edits_count_as_part_of_the_change(git_repo: Any) -> None:
    git_repo.write("m.py", "a\n")
    base = git_repo.commit("base")
    git_repo.write("m.py", "a\nb\n")
    assert by_file(run(git_repo.root, base))["m.py"]["added_lines"] == [2]


def test_commits_only_on_the_base_branch_are_not_part_of_the_change(git_repo: Any) -> None:
    git_repo.write("m.py", "a\n")
    git_repo.commit("root")
    git_repo.repo.git.checkout("-b", "feature")
    git_repo.write("feature.py", "f\n")
    git_repo.commit("feature work")
    git_repo.repo.git.checkout("main")
    git_repo.write("main_only.py", "m\n")
    main_tip = git_repo.commit("main moves on")
    git_repo.repo.git.checkout("feature")
    doc = run(git_repo.root, "main")
    assert [f["file"] for f in doc["files"]] == ["feature.py"]
    assert doc["base"] == main_tip and doc["merge_base"] != main_tip


def test_path_with_spaces_and_unicode_is_decoded(git_repo: Any) -> None:
    git_repo.write("keep.py", "k\n")
    base = git_repo.commit("base")
    git_repo.write("dir/sp ace é.py", "x\ny\n")
    git_repo.commit("head")
    assert by_file(run(git_repo.root, base))["dir/sp ace é.py"]["added_lines"] == [1, 2]


def test_without_base_the_document_says_nothing_was_compared(git_repo: Any) -> None:
    doc = run(git_repo.root, None)
    assert (doc["base"], doc["compared"], doc["files"], doc["note"]) == (None, False, [], NO_BASE_NOTE)


def test_base_that_does_not_exist_raises_git_error(changed: tuple[Any, str]) -> None:
    repo, _ = changed
    with pytest.raises(gitrepo.GitError):
        run(repo.root, "does-not-exist")


def test_not_a_git_repository_with_base_raises_git_error(tmp_path: Path) -> None:
    with pytest.raises(gitrepo.GitError):
        extract(ExtractContext(root=tmp_path, files=(), base="main", is_git=False))


def test_document_validates_against_the_schema(
    changed: tuple[Any, str], validate_document: Callable[[dict[str, Any]], None]
) -> None:
    repo, base = changed
    validate_document(run(repo.root, base))
    validate_document(run(repo.root, None))


def test_output_is_byte_identical_across_runs(changed: tuple[Any, str]) -> None:
    repo, base = changed
    assert dumps(run(repo.root, base)) == dumps(run(repo.root, base))


@pytest.mark.parametrize(
    "path",
    [
        "tests/test_x.py",
        "pkg/test_x.py",
        "pkg/x_test.py",
        "conftest.py",
        "svc/handler_test.go",
        "web/a.test.ts",
        "web/a.spec.ts",
        "web/a.test.js",
        "lib/x_test.exs",
        "crate/tests/it.rs",
        "web/__tests__/a.js",
    ],
)
def test_test_path_conventions_match(path: str) -> None:
    assert is_test_path(path)


@pytest.mark.parametrize(
    "path",
    [
        "pkg/x.py",
        "pkg/testing.py",
        "svc/handler.go",
        "web/a.ts",
        "web/test.ts",
        "lib/x.exs",
        "src/lib.rs",
        "docs/latest.md",
        "contest.py",
    ],
)
def test_non_test_paths_do_not_match(path: str) -> None:
    assert not is_test_path(path)


def test_changed_source_lists_the_tests_that_import_or_mirror_it(changed: tuple[Any, str]) -> None:
    repo, base = changed
    repo.write("tests/test_usage.py", "from app import core\n")
    repo.write("tests/test_new_name.py", "def test_n():\n    pass\n")
    files = by_file(run(repo.root, base))
    assert files["app/core.py"]["tested_by"] == [
        {"file": "tests/test_core.py", "via": "mirror", "changed": True},
        {"file": "tests/test_usage.py", "via": "import", "changed": False},
    ]
    assert files["app/new_name.py"]["tested_by"] == [
        {"file": "tests/test_new_name.py", "via": "mirror", "changed": False},
    ]


def test_tests_deletions_and_non_source_files_list_no_tests(changed: tuple[Any, str]) -> None:
    repo, base = changed
    files = by_file(run(repo.root, base))
    assert [files[f]["tested_by"] for f in ("tests/test_core.py", "app/gone.py", "logo.bin")] == [[], [], []]


def test_a_namesake_test_in_another_package_does_not_mirror(git_repo: Any) -> None:
    git_repo.write("billing/utils.py", "x = 1\n")
    git_repo.write("shipping/tests/test_utils.py", "def test_u():\n    pass\n")
    base = git_repo.commit("base")
    git_repo.write("billing/utils.py", "x = 2\n")
    assert by_file(run(git_repo.root, base))["billing/utils.py"]["tested_by"] == []


@pytest.mark.parametrize(
    ("source", "test"),
    [
        ("app/x.py", "tests/test_x.py"),
        ("app/x.py", "tests/app/test_x.py"),
        ("src/app/x.py", "tests/app/test_x.py"),
        ("app/x.py", "app/x_test.py"),
        ("svc/x.go", "svc/x_test.go"),
        ("web/src/x.ts", "web/src/x.test.ts"),
        ("web/src/x.ts", "web/__tests__/x.spec.tsx"),
        ("lib/shop/x.ex", "test/shop/x_test.exs"),
        ("crate/src/x.rs", "crate/tests/x.rs"),
    ],
)
def test_mirrored_test_paths(source: str, test: str) -> None:
    assert mirrors(source, test)


@pytest.mark.parametrize(
    ("source", "test"),
    [
        ("app/x.py", "tests/test_y.py"),
        ("billing/x.py", "shipping/tests/test_x.py"),
        ("svc/x.go", "other/x_test.go"),
        ("crate/src/x.rs", "other/src/x.rs"),
    ],
)
def test_paths_that_do_not_mirror(source: str, test: str) -> None:
    assert not mirrors(source, test)
