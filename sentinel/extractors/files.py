"""The ``files`` kind: every selected file with its language, size, test flag and layer.

Options (``extract.options.files`` in conftest.yml):

- ``layers`` (default ``{}``): an ordered mapping of layer name to a list of gitwildmatch globs.
  A file gets the first layer whose globs match it, or ``null``.

Languages come from the file name alone (extension, or the whole name for ``Makefile`` and
``Dockerfile``); no file is opened. ``is_test`` and ``language_of`` are shared with the
``tests`` kind so both agree on what a test file is.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from typing import Any

from sentinel.extractors.base import ExtractContext, document, problem
from sentinel.extractors.errors import ExtractorUsageError
from sentinel.extractors.selection import GlobSet, printable_name

# Extension (lower case, with the dot) -> language.
EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".rs": "rust",
    ".go": "go",
    ".ts": "typescript",
    ".tsx": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".ex": "elixir",
    ".exs": "elixir",
    ".proto": "proto",
    ".md": "markdown",
    ".markdown": "markdown",
    ".yml": "yaml",
    ".yaml": "yaml",
    ".json": "json",
    ".toml": "toml",
    ".rego": "rego",
    ".sh": "shell",
    ".bash": "shell",
    ".zsh": "shell",
    ".mk": "makefile",
    ".html": "html",
    ".htm": "html",
    ".css": "css",
    ".scss": "css",
    ".sql": "sql",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".hpp": "cpp",
    ".java": "java",
    ".kt": "kotlin",
    ".rb": "ruby",
    ".tf": "terraform",
    ".hcl": "hcl",
    ".xml": "xml",
    ".ini": "ini",
    ".cfg": "ini",
    ".txt": "text",
    ".rst": "restructuredtext",
    ".csv": "csv",
    ".j2": "jinja",
    ".jinja": "jinja",
}

# Whole file names (exact) -> language, for files without a telling extension.
NAMES: dict[str, str] = {
    "Makefile": "makefile",
    "GNUmakefile": "makefile",
    "makefile": "makefile",
    "Dockerfile": "dockerfile",
    "Containerfile": "dockerfile",
    "Jenkinsfile": "groovy",
    ".bashrc": "shell",
    ".profile": "shell",
}

# Directory names whose contents belong to a test suite, in any language (Go keeps fixtures
# in ``testdata``; JavaScript runners pick up ``__tests__``).
TEST_DIRS = frozenset({"test", "tests", "__tests__", "testdata"})


def language_of(path: str) -> str | None:
    """The language of ``path`` from its name, or None when the name says nothing."""
    name = path.rsplit("/", 1)[-1]
    if name in NAMES:
        return NAMES[name]
    if name.startswith("Dockerfile.") or name.endswith(".Dockerfile"):
        return "dockerfile"
    dot = name.rfind(".")
    return EXTENSIONS.get(name[dot:].lower()) if dot >= 0 else None


def is_test(path: str, language: str | None = None) -> bool:
    """Whether ``path`` belongs to a test suite by the conventions of its language.

    Any file under a ``test``/``tests``/``__tests__``/``testdata`` directory; Python
    ``test_*.py``, ``*_test.py``, ``tests.py``, ``conftest.py``; Go ``*_test.go``;
    JavaScript/TypeScript ``*.test.*`` and ``*.spec.*``; Elixir ``*_test.exs``.
    """
    parts = path.split("/")
    if not TEST_DIRS.isdisjoint(parts[:-1]):
        return True
    name = parts[-1]
    lang = language if language is not None else language_of(path)
    if lang == "python":
        stem = name.rsplit(".", 1)[0]
        return stem.startswith("test_") or stem.endswith("_test") or stem in ("tests", "conftest")
    if lang == "go":
        return name.endswith("_test.go")
    if lang in ("javascript", "typescript"):
        pieces = name.split(".")
        return len(pieces) >= 3 and pieces[-2] in ("test", "spec")
    if lang == "elixir":
        return name.endswith("_test.exs")
    return False


class Layers:
    """Ordered layer globs; the first layer whose globs match a path wins."""

    def __init__(self, layers: object) -> None:
        if layers is None:
            layers = {}
        if not isinstance(layers, Mapping):
            raise ExtractorUsageError(
                "extract option files.layers must be a mapping of layer name to a list of globs"
            )
        self._specs: list[tuple[str, GlobSet]] = []
        for name, globs in layers.items():
            if isinstance(globs, str):
                globs = [globs]
            if not isinstance(globs, list) or not all(isinstance(g, str) for g in globs):
                raise ExtractorUsageError(
                    f"extract option files.layers.{name} must be a list of glob strings"
                )
            self._specs.append((str(name), GlobSet(globs)))

    def layer_of(self, path: str) -> str | None:
        for name, spec in self._specs:
            if spec.match(path):
                return name
        return None


def extract(ctx: ExtractContext) -> dict[str, Any]:
    layers = Layers(ctx.options.get("layers"))
    entries: list[dict[str, Any]] = []
    problems = [
        problem(printable_name(rel), "file name holds control characters or bytes that are not UTF-8; "
                "skipped by every extractor (rename the file)", code="unsafe_name")
        for rel in ctx.unsafe_names
    ]
    top = os.fspath(ctx.root).rstrip("/") + "/"
    for rel in ctx.files:
        try:
            size = os.stat(top + rel).st_size
        except OSError as exc:
            problems.append(problem(rel, f"cannot stat file: {exc.strerror or exc}"))
            continue
        language = language_of(rel)
        entries.append({
            "path": rel,
            "language": language,
            "size": size,
            "is_test": is_test(rel, language),
            "layer": layers.layer_of(rel),
        })
    entries.sort(key=lambda e: e["path"])
    by_language = Counter(e["language"] or "unknown" for e in entries)
    by_layer = Counter(e["layer"] for e in entries if e["layer"] is not None)
    summary = {
        "files": len(entries),
        "bytes": sum(e["size"] for e in entries),
        "tests": sum(1 for e in entries if e["is_test"]),
        "by_language": dict(sorted(by_language.items())),
        "by_layer": dict(sorted(by_layer.items())),
    }
    return document(ctx, "files", files=entries, summary=summary, problems=problems)
