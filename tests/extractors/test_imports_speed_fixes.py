"""The grimp engine keeps packages it can take: a ``from ...`` in a comment or string does not
send a package to the slower ast engine, and a package grimp leaves out never gets records from
a graph it is only external to. Either way the records are the ast engine's."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from sentinel.extractors.base import ExtractContext
from sentinel.extractors.imports import python


def _write(root: Path, files: dict[str, str]) -> list[str]:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return sorted(files)


def _extract(root: Path, files: list[str], engine: str,
             ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Counter[str]]:
    stats: Counter[str] = Counter()
    ctx = ExtractContext(root=root, files=tuple(files), options={"python": {"engine": engine}})
    entries, problems = python.extract_python(ctx, files, (), stats)
    return entries, problems, stats


def test_a_from_with_dots_in_a_comment_or_string_keeps_the_package_on_grimp(tmp_path: Path) -> None:
    files = _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/doc.py": '# from ... import x, in a comment\nimport os\nHELP = "from .... import y"\n'
                      'DOC = """\nfrom ..... import z\n"""\n',
        "pkg/mod.py": "from . import doc\nfrom .doc import HELP\n",
    })
    entries, problems, stats = _extract(tmp_path, files, "auto")
    assert stats == Counter({"grimp": 3})
    assert problems == []
    ast_entries, ast_problems, ast_stats = _extract(tmp_path, files, "ast")
    assert ast_stats == Counter({"ast": 3})
    assert (entries, problems) == (ast_entries, ast_problems)
    assert [(i["file"], i["line"], i["target"]) for e in entries for i in e["imports"]] == [
        ("pkg/doc.py", 2, "os"), ("pkg/mod.py", 1, "pkg"), ("pkg/mod.py", 2, "pkg.doc"),
    ]


def test_a_real_climb_out_still_sends_its_package_to_ast(tmp_path: Path) -> None:
    files = _write(tmp_path, {"pkg/__init__.py": "", "pkg/up.py": "from .. import elsewhere\n"})
    entries, problems, stats = _extract(tmp_path, files, "auto")
    assert stats == Counter({"ast": 2})
    assert [p["line"] for p in problems] == [1]
    assert (entries, problems) == _extract(tmp_path, files, "ast")[:2]


def test_a_package_left_to_ast_is_not_read_from_the_graph_of_a_package_importing_it(tmp_path: Path) -> None:
    """``app`` imports ``lib``; ``lib`` climbs out, so grimp builds ``app`` alone and sees ``lib``
    as an external module without imports. ``lib``'s records must still list its imports."""
    files = _write(tmp_path, {
        "app/__init__.py": "from lib import tool\n",
        "lib/__init__.py": "import json\nfrom . import tool\n",
        "lib/tool.py": "from ... import nowhere\nimport os\n",
    })
    entries, problems, stats = _extract(tmp_path, files, "auto")
    assert stats == Counter({"grimp": 1, "ast": 2})
    assert (entries, problems) == _extract(tmp_path, files, "ast")[:2]
    lib = next(e for e in entries if e["file"] == "lib/__init__.py")
    assert [i["target"] for i in lib["imports"]] == ["json", "lib"]
