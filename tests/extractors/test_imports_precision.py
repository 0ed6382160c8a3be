"""imports kind: HTTP clients told from servers, one record per call, crate-local Rust paths and
the list of modules the repository defines (what import contracts check their names against)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sentinel.extractors import imports
from sentinel.extractors.base import ExtractContext
from sentinel.extractors.selection import select_files

CARGO = '[package]\nname = "shop"\nversion = "0.1.0"\n'


def extract(root: Path) -> dict[str, Any]:
    return imports.extract(ExtractContext(root=root, files=tuple(select_files(root))))


def entry(doc: dict[str, Any], file: str) -> dict[str, Any]:
    return next(e for e in doc["files"] if e["file"] == file)


def calls(doc: dict[str, Any], file: str) -> list[tuple[int, str]]:
    return [(c["line"], c["name"]) for c in entry(doc, file)["calls"]]


def test_aiohttp_server_is_not_a_client_but_its_client_session_is(git_repo: Any) -> None:
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/server.py", "import aiohttp\nfrom aiohttp import web\n\n"
                   "def main():\n    app = web.Application()\n    web.run_app(app)\n"
                   "    return web.json_response({})\n\n"
                   "async def fetch(url):\n    async with aiohttp.ClientSession() as session:\n"
                   "        return await session.get(url)\n")
    assert calls(extract(git_repo.root), "app/server.py") == [(10, "aiohttp.ClientSession")]


def test_a_chained_call_on_a_response_is_one_http_call(git_repo: Any) -> None:
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/client.py", "import requests\n\ndef f(url):\n    return requests.get(url).json()\n")
    assert calls(extract(git_repo.root), "app/client.py") == [(4, "requests.get")]


def test_building_a_request_object_is_not_an_http_call_but_urlopen_is(git_repo: Any) -> None:
    git_repo.write("fetch.py", "import urllib.request\n\n"
                   "def f(url):\n    req = urllib.request.Request(url)\n"
                   "    return urllib.request.urlopen(req)\n")
    assert calls(extract(git_repo.root), "fetch.py") == [(5, "urllib.request.urlopen")]


def test_requests_exceptions_are_not_http_calls(git_repo: Any) -> None:
    git_repo.write("errors.py", "import requests\n\ndef f():\n    raise requests.HTTPError('bad')\n")
    assert calls(extract(git_repo.root), "errors.py") == []


def test_document_lists_every_module_and_package_it_defines(git_repo: Any, validate_document: Any) -> None:
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/domain/orders.py", "import redis\n")
    git_repo.write("Cargo.toml", CARGO)
    git_repo.write("src/main.rs", "mod db;\n")
    git_repo.write("src/db/pool.rs", "")
    doc = extract(git_repo.root)
    validate_document(doc)
    assert doc["modules"] == ["app", "app.domain", "app.domain.orders", "shop", "shop::db", "shop::db::pool"]


def test_rust_use_of_a_child_module_is_first_party(git_repo: Any) -> None:
    git_repo.write("Cargo.toml", CARGO)
    git_repo.write("src/main.rs", "mod handlers;\nuse handlers::health::check;\nuse redis::Commands;\n")
    git_repo.write("src/handlers/mod.rs", "pub mod health;\n")
    git_repo.write("src/handlers/health.rs", "pub fn check() {}\n")
    imports = entry(extract(git_repo.root), "src/main.rs")["imports"]
    found = {i["line"]: (i["target"], i["kind"], i["modules"]) for i in imports}
    assert found[2] == ("shop::handlers::health::check", "first_party", ["shop::handlers::health"])
    assert found[3] == ("redis::Commands", "third_party", ["redis::Commands"])


def test_rust_use_of_a_sibling_top_level_module_is_first_party(git_repo: Any) -> None:
    git_repo.write("Cargo.toml", CARGO)
    git_repo.write("src/lib.rs", "pub mod api;\npub mod db;\n")
    git_repo.write("src/api.rs", "use db::Pool;\n")
    git_repo.write("src/db.rs", "pub struct Pool;\n")
    [item] = entry(extract(git_repo.root), "src/api.rs")["imports"]
    assert (item["target"], item["kind"], item["modules"]) == ("shop::db::Pool", "first_party", ["shop::db"])


def test_rust_crate_path_names_the_deepest_module(git_repo: Any) -> None:
    git_repo.write("Cargo.toml", CARGO)
    git_repo.write("src/lib.rs", "pub mod db;\npub mod api;\n")
    git_repo.write("src/db.rs", "pub struct Pool;\n")
    git_repo.write("src/api.rs", "use crate::db::Pool;\n")
    [item] = entry(extract(git_repo.root), "src/api.rs")["imports"]
    assert item["modules"] == ["shop::db"]
