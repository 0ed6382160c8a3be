"""files kind: language, test flag, layer, size for every selected file."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sentinel.extractors import files
from sentinel.extractors.base import ExtractContext
from sentinel.extractors.errors import ExtractorUsageError
from sentinel.extractors.selection import select_files


def extract(root: Path, options: dict[str, Any] | None = None) -> dict[str, Any]:
    return files.extract(ExtractContext(root=root, files=tuple(select_files(root)), options=options or {}))


def by_path(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["path"]: f for f in doc["files"]}


@pytest.mark.parametrize(("path", "language"), [
    ("a/b.py", "python"), ("x.pyi", "python"), ("lib.rs", "rust"), ("main.go", "go"),
    ("a.ts", "typescript"), ("View.tsx", "typescript"), ("a.mjs", "javascript"), ("a.jsx", "javascript"),
    ("lib/a.ex", "elixir"), ("test/a_test.exs", "elixir"), ("api.proto", "proto"), ("README.md", "markdown"),
    ("ci.yml", "yaml"), ("k.yaml", "yaml"), ("p.json", "json"), ("Cargo.toml", "toml"), ("p.rego", "rego"),
    ("run.sh", "shell"), ("Makefile", "makefile"), ("build/rules.mk", "makefile"),
    ("Dockerfile", "dockerfile"),
    ("LICENSE", None), ("data.bin", None), (".gitignore", None),
])
def test_language_comes_from_the_file_name(path: str, language: str | None) -> None:
    assert files.language_of(path) == language


@pytest.mark.parametrize(("path", "expected"), [
    ("tests/test_api.py", True), ("pkg/test_api.py", True), ("pkg/api_test.py", True),
    ("pkg/conftest.py", True),
    ("app/tests.py", True), ("pkg/api.py", False), ("pkg/testing.py", False),
    ("svc/handler_test.go", True), ("svc/handler.go", False), ("svc/testdata/input.go", True),
    ("tests/integration.rs", True), ("src/lib.rs", False),
    ("src/app.test.ts", True), ("src/app.spec.tsx", True), ("src/__tests__/app.js", True),
    ("src/test.ts", False),
    ("test/shop/orders_test.exs", True), ("lib/shop/orders.ex", False),
    ("tests/fixtures/data.json", True), ("docs/testing.md", False),
])
def test_is_test_follows_each_language_convention(path: str, expected: bool) -> None:
    assert files.is_test(path) is expected


def test_layer_is_the_first_layer_whose_globs_match(git_repo: Any) -> None:
    git_repo.write("src/domain/order.py", "")
    git_repo.write("src/adapters/db.py", "")
    git_repo.write("src/main.py", "")
    layers = {"domain": ["src/domain/**"], "adapters": ["src/adapters/", "src/domain/order.py"],
              "app": ["src/*.py"]}
    found = by_path(extract(git_repo.root, {"layers": layers}))
    assert {p: f["layer"] for p, f in found.items()} == {
        "src/domain/order.py": "domain", "src/adapters/db.py": "adapters", "src/main.py": "app"}


def test_layer_is_null_without_a_matching_glob(git_repo: Any) -> None:
    git_repo.write("scripts/x.sh", "")
    found = by_path(extract(git_repo.root, {"layers": {"domain": ["src/**"]}}))
    assert found["scripts/x.sh"]["layer"] is None


def test_size_is_the_byte_size_and_content_is_never_judged(git_repo: Any) -> None:
    git_repo.write("blob.py", b"\x00\xff\xfe" * 10)
    entry = by_path(extract(git_repo.root))["blob.py"]
    assert (entry["size"], entry["language"], entry["is_test"]) == (30, "python", False)


def test_summary_counts_languages_tests_and_layers(git_repo: Any) -> None:
    git_repo.write("a.py", "x")
    git_repo.write("tests/test_a.py", "xy")
    git_repo.write("NOTES", "abc")
    summary = extract(git_repo.root, {"layers": {"top": ["/*.py"]}})["summary"]
    assert summary == {"files": 3, "bytes": 6, "tests": 1, "by_language": {"python": 2, "unknown": 1},
                       "by_layer": {"top": 1}}


def test_ignored_files_and_symlinks_are_not_listed(git_repo: Any) -> None:
    git_repo.write(".gitignore", "build/\n")
    git_repo.write("build/out.py", "")
    git_repo.write("src/a.py", "")
    os.symlink(git_repo.root / "src", git_repo.root / "src" / "loop")
    os.symlink(git_repo.root / "src" / "a.py", git_repo.root / "b.py")
    assert sorted(by_path(extract(git_repo.root))) == [".gitignore", "src/a.py"]


def test_real_output_matches_the_schema(git_repo: Any,
                                        validate_document: Callable[[dict[str, Any]], None]) -> None:
    git_repo.write("src/a.py", "")
    git_repo.write("Makefile", "all:\n")
    git_repo.commit()
    doc = extract(git_repo.root, {"layers": {"src": ["src/"]}})
    validate_document(doc)
    assert [f["layer"] for f in doc["files"]] == [None, "src"]


def test_two_runs_give_byte_identical_json(git_repo: Any) -> None:
    for rel in ("z.py", "a/b.rs", "m/n/o.go", "README.md"):
        git_repo.write(rel, rel)
    first = json.dumps(extract(git_repo.root), sort_keys=True)
    assert json.dumps(extract(git_repo.root), sort_keys=True) == first


@pytest.mark.parametrize("layers", [["src/**"], {"domain": 3}, {"domain": [1, 2]}])
def test_malformed_layers_option_is_a_usage_error(git_repo: Any, layers: object) -> None:
    git_repo.write("a.py", "")
    with pytest.raises(ExtractorUsageError, match="layers"):
        extract(git_repo.root, {"layers": layers})
