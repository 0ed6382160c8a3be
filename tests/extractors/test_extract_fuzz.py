"""Property: the extract stage turns any repository into documents that match their schemas.

Repositories are generated: file names from a safe alphabet (unicode letters and digits, ``-``,
``_``) with the extensions and well-known names the extractors look for, and contents that are
random bytes, random text, fragments of the languages stitched together (unbalanced brackets,
half statements), or nesting deeper than a recursive parser survives. Every kind runs over each
one; the only exception allowed is a ExtractorError (a user-facing error naming its cause), and
every document must validate.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import jsonschema
from hypothesis import given
from hypothesis import strategies as st

from sentinel.extractors import KINDS
from sentinel.extractors.errors import ExtractorError
from sentinel.extractors.run import run_extractors
from testsupport.files import write

SCHEMAS = Path(__file__).resolve().parents[2] / "extractors" / "schemas"
VALIDATORS = {
    kind: jsonschema.Draft202012Validator(json.loads((SCHEMAS / f"{kind}.json").read_text()))
    for kind in KINDS
}

EXTENSIONS = [".py", ".ts", ".tsx", ".js", ".go", ".rs", ".ex", ".exs", ".proto", ".md", ".json",
              ".xml", ".info", ".lcov", ".toml", ".yaml", ".tla", ".txt", ""]
KNOWN_NAMES = ["coverage.json", "coverage.xml", "lcov.info", "package.json", "Cargo.toml", "go.mod",
               "techdebt/item.md", "state_machines/order.md", "tests/test_app.py", "src/app.test.ts",
               "conftest.yml", "pkg/__init__.py", "pkg/mod.py", "urls.py"]
FRAGMENTS = [
    "import os\n", "from . import x\n", "from .. import y\n", "def f(", "async def t():\n", "    ",
    "await asyncio.sleep(1)\n", "requests.get(", "redis.set(f'k:{tenant_id}', ", "logger.info(",
    "@app.get('/x')\n", "class A:\n", "try:\n    pass\nexcept Exception:\n    return ALLOW\n",
    "use std::fmt;\n", "fn main() {", "package main\n", 'import "net/http"\n', "func F() {",
    "defmodule A do\n", "use ExUnit.Case, async: true\n", "end\n", "it('x', async () => {",
    "fetch(", "setTimeout(", "require('z')", "import x from 'y';\n", "syntax = \"proto3\";\n",
    "message M { string a = 1; }\n", "---\n", "id: TD-1\nseverity: high\n", "stateDiagram-v2\n",
    "```mermaid\n", "A --> B : go\n", "SF:a.py\n", "DA:1,1\n", "end_of_record\n", '{"files": ',
    "<coverage>", "<class filename=\"a.py\">", "# TODO(ABC-1): fix\n", "x = 1+1+1+1\n",
    "(", ")", "[", "]", "{", "}", '"', "'", "\\", "\n", "\t", ":", ",", ";", "=", "\x00", "\ufeff",
    "é", "\u2028", "-" * 3, "1", "a",
]

segment = st.text(st.characters(categories=("L", "N"), include_characters="-_"), min_size=1, max_size=12)
made_up_name = st.builds(lambda parts, ext: "/".join(parts) + ext,
                         st.lists(segment, min_size=1, max_size=3), st.sampled_from(EXTENSIONS))
name = st.one_of(st.sampled_from(KNOWN_NAMES), made_up_name)
nested = st.builds(lambda opener, closer, depth: opener * depth + closer * depth,
                   st.sampled_from(["(", "[", "{", "f(", "it('t', () => "]),
                   st.sampled_from([")", "]", "}"]), st.integers(0, 3000))
# Nesting past what a recursive parser survives: CPython's ast (~3,000 terms), json (~1,000).
deep = st.one_of(
    st.builds(lambda n: "x = " + "1+" * n + "1\n", st.integers(500, 8000)),
    st.builds(lambda n: "[" * n + "]" * n, st.integers(500, 50_000)),
    st.builds(lambda n: '{"files": ' + '{"a": ' * n + "1" + "}" * n + "}", st.integers(500, 5000)),
    st.builds(lambda n: "it('t', () => " * n + "setTimeout(f)" + ")" * n, st.integers(100, 1000)),
)
content = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), nested), max_size=40).map("".join),
    deep,
)
repository = st.dictionaries(name, content, min_size=1, max_size=8)


def check(documents: dict[str, dict[str, Any]]) -> None:
    assert set(documents) == set(KINDS)
    for kind, doc in documents.items():
        VALIDATORS[kind].validate(doc)
        for item in doc["problems"]:
            assert item["file"], item


@given(repository)
def test_every_kind_extracts_any_repository_into_valid_documents(files: dict[str, str | bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, data in files.items():
            if any((root / rel).is_relative_to(root / other) for other in files if other != rel):
                continue  # a name that is also another's directory
            if (root / rel).exists():
                continue
            write(root, rel, data)
        try:
            documents = run_extractors(root, settings={"jobs": 1})
        except ExtractorError:
            return
        check(documents)
