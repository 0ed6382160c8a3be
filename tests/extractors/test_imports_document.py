"""imports kind, the whole document: schema, determinism, selection, summary, options."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sentinel.extractors import imports
from sentinel.extractors.base import ExtractContext
from sentinel.extractors.errors import ExtractorUsageError
from sentinel.extractors.selection import select_files

FIXTURE = {
    "app/__init__.py": "import os\nimport requests\n",
    "app/svc.py": "from . import models\nasync def run():\n    requests.get('u')\n",
    "app/models.py": "",
    "tools/run.py": "import app.svc\n",
    "Cargo.toml": '[package]\nname = "core"\n',
    "src/lib.rs": "use std::fmt;\nmod x;\n",
    "go.mod": "module example.com/m\n",
    "cmd/main.go": 'package main\nimport "net/http"\nfunc main() { http.Get("u") }\n',
    "web/a.ts": 'import { b } from "./b";\nfetch("u");\n',
    "web/c.js": 'const x = require("x");\n',
    "lib/a.ex": "defmodule A do\n  alias A.B\nend\n",
    "README.md": "# not source\n",
}


def extract(root: Path, options: dict[str, Any] | None = None) -> dict[str, Any]:
    return imports.extract(ExtractContext(root=root, files=tuple(select_files(root)), options=options or {}))


def write_fixture(repo: Any) -> None:
    for rel, content in FIXTURE.items():
        repo.write(rel, content)


def test_real_output_matches_the_schema(git_repo: Any,
                                        validate_document: Callable[[dict[str, Any]], None]) -> None:
    write_fixture(git_repo)
    git_repo.commit()
    doc = extract(git_repo.root)
    validate_document(doc)
    languages = {e["language"] for e in doc["files"]}
    assert languages == {"python", "rust", "go", "typescript", "javascript", "elixir"}


def test_two_runs_give_byte_identical_json(git_repo: Any) -> None:
    write_fixture(git_repo)
    first = json.dumps(extract(git_repo.root), sort_keys=True)
    second = json.dumps(extract(git_repo.root), sort_keys=True)
    assert first == second


def test_summary_counts_files_imports_and_kinds(git_repo: Any) -> None:
    git_repo.write("app/__init__.py", "import os\nimport requests\nfrom app import models\n")
    git_repo.write("app/models.py", "")
    summary = extract(git_repo.root)["summary"]
    assert summary["files"] == 2
    assert summary["imports"] == 3
    assert summary["by_kind"] == {"first_party": 1, "stdlib": 1, "third_party": 1}
    assert summary["by_language"] == {"python": 2}


def test_symlinks_and_symlink_loops_are_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("import os\n")
    os.symlink(root, root / "pkg" / "loop")
    os.symlink(root / "pkg" / "__init__.py", root / "pkg" / "alias.py")
    doc = extract(root)
    assert [e["file"] for e in doc["files"]] == ["pkg/__init__.py"]


def test_http_clients_option_must_map_languages_to_lists(git_repo: Any) -> None:
    git_repo.write("a.py", "")
    with pytest.raises(ExtractorUsageError, match="http_clients"):
        extract(git_repo.root, {"http_clients": ["requests."]})


def test_tree_sitter_files_scanned_by_worker_processes_give_the_same_document(
        git_repo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    write_fixture(git_repo)
    git_repo.write("web/big.js", "".join(f'import m{i} from "./m{i}";\n' for i in range(300)))
    git_repo.write("web/broken.js", "import x from './x';\nfunction (\n")
    files = tuple(select_files(git_repo.root))
    in_process = imports.extract(ExtractContext(root=git_repo.root, files=files, jobs=1))
    monkeypatch.setattr(imports, "_POOL_BYTES", 1)
    in_workers = imports.extract(ExtractContext(root=git_repo.root, files=files, jobs=2))
    assert json.dumps(in_workers, sort_keys=True) == json.dumps(in_process, sort_keys=True)
    assert len(in_process["problems"]) == 1


def test_python_option_error_is_raised_while_workers_scan_other_languages(
        git_repo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    write_fixture(git_repo)
    monkeypatch.setattr(imports, "_POOL_BYTES", 1)
    ctx = ExtractContext(root=git_repo.root, files=tuple(select_files(git_repo.root)),
                         options={"python": {"engine": "magic"}}, jobs=2)
    with pytest.raises(ExtractorUsageError, match=r"python\.engine"):
        imports.extract(ctx)
