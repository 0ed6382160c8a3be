"""imports kind, JavaScript and TypeScript: every import form, relative paths, kinds, HTTP calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sentinel.extractors import imports
from sentinel.extractors.base import ExtractContext
from sentinel.extractors.selection import select_files


def extract(root: Path) -> dict[str, Any]:
    return imports.extract(ExtractContext(root=root, files=tuple(select_files(root))))


def entry(doc: dict[str, Any], file: str) -> dict[str, Any]:
    return next(e for e in doc["files"] if e["file"] == file)


def test_every_import_form_is_found(git_repo: Any) -> None:
    git_repo.write("web/app.js", (
        'import React from "react";\n'
        'import { a, b as c } from "./lib/util";\n'
        'import * as all from "../shared/all";\n'
        'import "./styles.css";\n'
        'export { d } from "./d";\n'
        'export * from "lodash";\n'
        'const fs = require("fs");\n'
        'const lazy = await import("./lazy");\n'
    ))
    found = entry(extract(git_repo.root), "web/app.js")["imports"]
    assert [(i["line"], i["target"], i["names"], i["syntax"]) for i in found] == [
        (1, "react", ["default"], "import"),
        (2, "web/lib/util", ["a", "b"], "import"),
        (3, "shared/all", ["*"], "import"),
        (4, "web/styles.css", [], "import"),
        (5, "web/d", ["d"], "export"),
        (6, "lodash", ["*"], "export"),
        (7, "fs", [], "require"),
        (8, "web/lazy", [], "dynamic_import"),
    ]


def test_typescript_type_imports_and_tsx_files_are_read(git_repo: Any) -> None:
    git_repo.write("src/types.ts", 'import type { User } from "./user";\n')
    git_repo.write("src/View.tsx",
                   'import { api } from "@shop/api";\nexport const V = () => <div>{api}</div>;\n')
    doc = extract(git_repo.root)
    assert [i["target"] for i in entry(doc, "src/types.ts")["imports"]] == ["src/user"]
    assert entry(doc, "src/View.tsx")["language"] == "typescript"
    assert [i["target"] for i in entry(doc, "src/View.tsx")["imports"]] == ["@shop/api"]


def test_kinds_relative_and_workspace_are_first_party_node_builtins_stdlib(git_repo: Any) -> None:
    git_repo.write("packages/api/package.json", '{"name": "@shop/api"}')
    git_repo.write("src/a.ts", 'import "./b";\nimport "node:path";\nimport "fs/promises";\n'
                   'import "@shop/api/client";\nimport "axios";\n')
    kinds = [i["kind"] for i in entry(extract(git_repo.root), "src/a.ts")["imports"]]
    assert kinds == ["first_party", "stdlib", "stdlib", "first_party", "third_party"]


def test_http_calls_resolve_through_import_bindings(git_repo: Any) -> None:
    git_repo.write("src/c.js", 'import ax from "axios";\nconst https = require("https");\n'
                   'fetch("u");\nax.get("u");\nhttps.request(o);\nrefetch("u");\n')
    calls = entry(extract(git_repo.root), "src/c.js")["calls"]
    assert [(c["line"], c["name"], c["pattern"]) for c in calls] == [
        (3, "fetch", "fetch("), (4, "axios.get", "axios"), (5, "https.request", "https.request")]


def test_syntax_error_is_a_problem_and_earlier_imports_are_kept(git_repo: Any) -> None:
    git_repo.write("src/bad.ts", 'import { x } from "./x";\n\nfunction ( {\n')
    doc = extract(git_repo.root)
    assert [(p["file"], p["code"]) for p in doc["problems"]] == [("src/bad.ts", "syntax")]
    assert [i["target"] for i in entry(doc, "src/bad.ts")["imports"]] == ["src/x"]
