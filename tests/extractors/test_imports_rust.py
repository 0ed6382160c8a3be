"""imports kind, Rust: use trees, mod, extern crate, crate-relative paths, HTTP calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sentinel.extractors import imports
from sentinel.extractors.base import ExtractContext
from sentinel.extractors.selection import select_files

CARGO = '[package]\nname = "shop-core"\nversion = "0.1.0"\n'


def extract(root: Path) -> dict[str, Any]:
    return imports.extract(ExtractContext(root=root, files=tuple(select_files(root))))


def entry(doc: dict[str, Any], file: str) -> dict[str, Any]:
    return next(e for e in doc["files"] if e["file"] == file)


def uses(doc: dict[str, Any], file: str) -> list[tuple[int, str, list[str], str]]:
    return [(i["line"], i["target"], i["names"], i["syntax"]) for i in entry(doc, file)["imports"]]


def test_grouped_use_trees_expand_to_one_record_per_leaf(git_repo: Any) -> None:
    git_repo.write("Cargo.toml", CARGO)
    git_repo.write("src/lib.rs", "use serde::{Deserialize, de::{self, Visitor as V}, *};\n")
    assert uses(extract(git_repo.root), "src/lib.rs") == [
        (1, "serde", ["*"], "use"),
        (1, "serde::Deserialize", ["Deserialize"], "use"),
        (1, "serde::de", ["de"], "use"),
        (1, "serde::de::Visitor", ["V"], "use"),
    ]


def test_crate_self_and_super_paths_resolve_against_the_module_path(git_repo: Any) -> None:
    git_repo.write("Cargo.toml", CARGO)
    git_repo.write("src/orders/mod.rs",
                   "use crate::billing::Invoice;\nuse self::line::Line;\nuse super::money;\n")
    doc = extract(git_repo.root)
    assert entry(doc, "src/orders/mod.rs")["module"] == "shop_core::orders"
    assert [i[1] for i in uses(doc, "src/orders/mod.rs")] == [
        "shop_core::billing::Invoice", "shop_core::orders::line::Line", "shop_core::money"]


def test_mod_declarations_and_extern_crates_are_imports(git_repo: Any) -> None:
    git_repo.write("Cargo.toml", CARGO)
    git_repo.write("src/main.rs", "extern crate log as logging;\nmod api;\nmod inline { fn f() {} }\n")
    assert uses(extract(git_repo.root), "src/main.rs") == [
        (1, "log", ["logging"], "extern_crate"),
        (2, "shop_core::api", ["api"], "mod"),
    ]


def test_kinds_tell_std_from_workspace_crates_and_dependencies(git_repo: Any) -> None:
    git_repo.write("Cargo.toml", CARGO)
    git_repo.write("cli/Cargo.toml", '[package]\nname = "shop-cli"\n')
    git_repo.write("cli/src/main.rs", "use std::fs;\nuse shop_core::Order;\nuse clap::Parser;\n")
    kinds = {i["target"]: i["kind"] for i in entry(extract(git_repo.root), "cli/src/main.rs")["imports"]}
    assert kinds == {"std::fs": "stdlib", "shop_core::Order": "first_party", "clap::Parser": "third_party"}


def test_http_client_calls_resolve_through_use(git_repo: Any) -> None:
    git_repo.write("src/lib.rs",
                   "use reqwest::Client;\nfn f() { Client::new(); reqwest::get(u); other::get(); }\n")
    calls = entry(extract(git_repo.root), "src/lib.rs")["calls"]
    assert [(c["line"], c["name"], c["pattern"]) for c in calls] == [
        (2, "reqwest::Client::new", "reqwest::"), (2, "reqwest::get", "reqwest::")]


def test_syntax_error_is_a_problem_and_what_parsed_is_kept(git_repo: Any) -> None:
    git_repo.write("src/lib.rs", "use std::io;\n\nfn broken( {\n")
    doc = extract(git_repo.root)
    assert [(p["file"], p["line"], p["code"]) for p in doc["problems"]] == [("src/lib.rs", 3, "syntax")]
    assert [i[1] for i in uses(doc, "src/lib.rs")] == ["std::io"]


def test_binary_file_with_rs_extension_is_a_problem(git_repo: Any) -> None:
    git_repo.write("src/blob.rs", b"\x00\x01use std::io;")
    doc = extract(git_repo.root)
    assert [(p["file"], p["code"]) for p in doc["problems"]] == [("src/blob.rs", "binary")]
    assert doc["files"] == []
