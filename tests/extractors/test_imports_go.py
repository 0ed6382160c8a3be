"""imports kind, Go: import specs, go.mod module paths, HTTP calls through aliases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sentinel.extractors import imports
from sentinel.extractors.base import ExtractContext
from sentinel.extractors.selection import select_files

SOURCE = '''package api

import "fmt"
import (
	h "net/http"
	_ "github.com/lib/pq"
	. "strings"
	"example.com/shop/internal/store"
)

func Fetch() { h.Get("u"); fmt.Println(); store.Open() }
'''


def extract(root: Path) -> dict[str, Any]:
    return imports.extract(ExtractContext(root=root, files=tuple(select_files(root))))


def only_file(doc: dict[str, Any]) -> dict[str, Any]:
    [found] = [e for e in doc["files"] if e["language"] == "go"]
    return found


def test_import_blocks_aliases_blank_and_dot_imports(git_repo: Any) -> None:
    git_repo.write("api/api.go", SOURCE)
    found = only_file(extract(git_repo.root))
    assert [(i["line"], i["target"], i["names"]) for i in found["imports"]] == [
        (3, "fmt", []), (5, "net/http", ["h"]), (6, "github.com/lib/pq", ["_"]), (7, "strings", ["."]),
        (8, "example.com/shop/internal/store", [])]


def test_module_comes_from_go_mod_and_its_packages_are_first_party(git_repo: Any) -> None:
    git_repo.write("go.mod", "module example.com/shop\n\ngo 1.22\n")
    git_repo.write("api/api.go", SOURCE)
    found = only_file(extract(git_repo.root))
    assert found["module"] == "example.com/shop/api"
    kinds = {i["target"]: i["kind"] for i in found["imports"]}
    assert kinds == {"fmt": "stdlib", "net/http": "stdlib", "github.com/lib/pq": "third_party",
                     "strings": "stdlib", "example.com/shop/internal/store": "first_party"}


def test_http_calls_are_named_by_package_through_aliases(git_repo: Any) -> None:
    git_repo.write("api/api.go", SOURCE)
    calls = only_file(extract(git_repo.root))["calls"]
    assert [(c["line"], c["name"], c["pattern"]) for c in calls] == [(11, "http.Get", "http.Get")]


def test_syntax_error_is_a_problem_and_imports_before_it_are_kept(git_repo: Any) -> None:
    git_repo.write("main.go", 'package main\n\nimport "os"\n\nfunc main() {\n\tif {\n}\n')
    doc = extract(git_repo.root)
    [prob] = doc["problems"]
    assert (prob["file"], prob["code"]) == ("main.go", "syntax")
    assert isinstance(prob["line"], int) and prob["line"] >= 5
    assert [i["target"] for i in only_file(doc)["imports"]] == ["os"]
