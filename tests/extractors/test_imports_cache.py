"""The imports kind's per-file cache: a warm run scans only what changed, and random edits,
renames, deletions and option changes never make a cached run differ from an uncached one.

The repository holds what the generic property test (test_cache_property.py) lacks: packages
(the grimp engine), a ``src`` layout, relative imports (one climbing out of its package),
modules that appear and disappear (the cross-file ``kind`` of unchanged files' imports), HTTP
calls, async functions, and Rust, Go, JavaScript and Elixir files with their manifests.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sentinel.extractors.base import ExtractContext
from sentinel.extractors.cache import FileCache
from sentinel.extractors.imports import python
from sentinel.extractors.run import run_extractors

PY = [
    "import os\nimport requests\nfrom . import sibling\nfrom .sub import leaf\n\n"
    "def go():\n    return requests.get('http://x')\n",
    "from pkg import newmod\nfrom pkg.sub.leaf import thing as t\n\n\nasync def f():\n"
    "    import httpx\n    await httpx.AsyncClient().get('u')\n",
    "from ... import nowhere\n",
    "# from ... import x  (a comment, not an import)\nimport json\nx = 'from ... import y'\n",
    "from .. import up\nimport urllib.request\nurllib.request.urlopen('u')\n",
    "def broken(:\n    pass\n",
    "",
    "import pkg.sub\nfrom pkg.sub import (\n    leaf,\n    other as o,\n)\n",
]
PY_NAMES = ["pkg/__init__.py", "pkg/sibling.py", "pkg/sub/__init__.py", "pkg/sub/leaf.py", "pkg/newmod.py",
            "src/lib/__init__.py", "src/lib/core.py", "scripts/tool.py"]
OTHER: dict[str, list[str]] = {
    "crate/Cargo.toml": ['[package]\nname = "crate_a"\n', '[package]\nname = "crate_b"\n', "[package\n"],
    "crate/src/lib.rs": ["mod net;\nuse crate::net::x;\nuse std::fmt;\n",
                         "use serde::Serialize;\nfn f() { reqwest::get(\"u\"); }\n"],
    "crate/src/net.rs": ["pub fn x() {}\n", "use super::y;\n"],
    "go.mod": ["module example.com/a\n", "module example.com/b\n"],
    "cmd/main.go": ['package main\n\nimport (\n\t"fmt"\n\t"example.com/a/lib"\n)\n',
                    'package main\nimport "net/http"\nfunc f() { http.Get("u") }\n'],
    "package.json": ['{"name": "web", "dependencies": {"left-pad": "1"}}\n', '{"name": "web"}\n', "{"],
    "web/a.ts": ["import pad from 'left-pad';\nimport { b } from './b';\nfetch('u');\n",
                 "export const = ;\n"],
    "lib/a.ex": ["defmodule A do\n  alias B.C\n  import Enum\nend\n", "defmodule B.C do\nend\n"],
}
OPTION_SETS: list[dict[str, Any]] = [
    {},
    {"options": {"imports": {"python": {"roots": [".", "src"], "engine": "ast"}}}},
    {"options": {"imports": {"python": {"roots": ["src"]}, "http_clients": {"python": ["requests."]}}}},
    {"options": {"imports": {"http_clients": {"go": ["http."], "typescript": []}}}},
    {"max_file_bytes": 60},
]

edit = st.tuples(st.just("edit"), st.integers(0, len(PY_NAMES) - 1), st.integers(0, len(PY) - 1))
other = st.tuples(st.just("other"), st.sampled_from(sorted(OTHER)), st.integers(0, 2))
rename = st.tuples(st.just("rename"), st.integers(0, 50), st.integers(0, len(PY_NAMES) - 1))
delete = st.tuples(st.just("delete"), st.integers(0, 50))
options = st.tuples(st.just("options"), st.integers(0, len(OPTION_SETS) - 1))
STEPS = st.lists(st.one_of(edit, other, rename, delete, options), min_size=1, max_size=5)


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.is_file() and ".sentinel" not in p.parts)


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _apply(root: Path, step: tuple[Any, ...], current: dict[str, Any]) -> dict[str, Any]:
    files = _files(root)
    op = step[0]
    if op == "edit":
        _write(root, PY_NAMES[step[1]], PY[step[2]])
    elif op == "other":
        pool = OTHER[step[1]]
        _write(root, step[1], pool[step[2] % len(pool)])
    elif op == "rename" and files:
        source = files[step[1] % len(files)]
        target = PY_NAMES[step[2]] if source.endswith(".py") else f"moved/{Path(source).name}"
        if target != source:
            (root / target).parent.mkdir(parents=True, exist_ok=True)
            os.replace(root / source, root / target)
    elif op == "delete" and files:
        (root / files[step[1] % len(files)]).unlink()
    elif op == "options":
        return dict(OPTION_SETS[step[1]])
    return current


def _imports(root: Path, extract: dict[str, Any]) -> str:
    return json.dumps(run_extractors(root, kinds=["imports"], settings=extract)["imports"])


def _initial(root: Path) -> None:
    for i, rel in enumerate(PY_NAMES):
        _write(root, rel, PY[i % len(PY)])
    for rel, pool in OTHER.items():
        _write(root, rel, pool[0])


@settings(max_examples=15, deadline=None) if os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci" else (
    lambda f: f)
@given(STEPS)
def test_cached_and_uncached_imports_documents_are_byte_identical(steps: list[tuple[Any, ...]]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="sentinel-imports-cache-"))
    try:
        root = folder / "repo"
        _initial(root)
        extract: dict[str, Any] = {}
        _imports(root, extract)  # fills the cache: later steps meet records of old content
        for step in steps:
            extract = _apply(root, step, extract)
            cached = _imports(root, extract)
            again = _imports(root, extract)
            plain = _imports(root, {**extract, "cache": False})
            assert cached == plain, step
            assert again == plain, step
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _package(root: Path, modules: int) -> list[str]:
    files = ["pkg/__init__.py"]
    _write(root, "pkg/__init__.py", "")
    for i in range(modules):
        rel = f"pkg/m{i}.py"
        _write(root, rel, f"import os\nfrom . import m{(i + 1) % modules}\nfrom .m0 import name as n{i}\n")
        files.append(rel)
    return sorted(files)


def _run(root: Path, files: list[str], cache: FileCache | None) -> tuple[list[dict[str, Any]], Counter[str]]:
    stats: Counter[str] = Counter()
    ctx = ExtractContext(root=root, files=tuple(files), cache=cache)
    entries, problems = python.extract_python(ctx, files, (), stats)
    assert problems == []
    return entries, stats


def test_a_warm_run_scans_only_the_changed_file_and_gives_the_same_records(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    files = _package(root, 12)
    cache_dir = tmp_path / "cache"
    cold, stats = _run(root, files, FileCache(cache_dir))
    assert stats == Counter({"grimp": 13})  # the whole package missing: grimp

    _write(root, "pkg/m3.py", "import json\nfrom .m4 import other\n")
    warm, stats = _run(root, files, FileCache(cache_dir))
    assert stats == Counter({"hits": 12, "ast": 1})  # one file of 13: ast, not the whole package
    plain, _ = _run(root, files, None)
    assert warm == plain
    assert [e["imports"] for e in warm if e["file"] == "pkg/m3.py"] == [[
        {"file": "pkg/m3.py", "line": 1, "target": "json", "names": [], "modules": ["json"],
         "kind": "stdlib", "syntax": "import"},
        {"file": "pkg/m3.py", "line": 2, "target": "pkg.m4", "names": ["other"], "modules": ["pkg.m4"],
         "kind": "first_party", "syntax": "from"},
    ]]
    assert warm != cold


def test_an_unchanged_file_is_classified_again_when_another_module_appears(tmp_path: Path) -> None:
    """``kind`` and ``modules`` are cross-file: they are never taken from the cache."""
    root = tmp_path / "repo"
    _write(root, "app.py", "from extra import helper\n")
    cache_dir = tmp_path / "cache"
    before, _ = _run(root, ["app.py"], FileCache(cache_dir))
    assert before[0]["imports"][0]["kind"] == "third_party"
    _write(root, "extra/__init__.py", "")
    _write(root, "extra/helper.py", "")
    files = ["app.py", "extra/__init__.py", "extra/helper.py"]
    after, stats = _run(root, files, FileCache(cache_dir))
    assert stats["hits"] == 1
    item = next(e for e in after if e["file"] == "app.py")["imports"][0]
    assert (item["kind"], item["modules"]) == ("first_party", ["extra.helper"])
    assert after == _run(root, files, None)[0]
    # and back: the cached record was not changed by the classification above
    again, _ = _run(root, ["app.py"], FileCache(cache_dir))
    assert again == before


def test_a_tampered_record_of_the_wrong_shape_is_a_miss(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _write(root, "app.py", "import os\n")
    cache_dir = tmp_path / "cache"
    first, _ = _run(root, ["app.py"], FileCache(cache_dir))
    (pack,) = (cache_dir / "v1").glob("*.json")
    data = json.loads(pack.read_text())
    data["entries"] = {key: {"t": [1, 2]} for key in data["entries"]}
    pack.write_text(json.dumps(data))
    again, stats = _run(root, ["app.py"], FileCache(cache_dir))
    assert stats == Counter({"ast": 1})
    assert again == first
