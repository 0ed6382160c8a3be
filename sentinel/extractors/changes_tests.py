"""Which test files cover each changed source file: the facts ``testing.logic_without_tests`` needs.

A rule sees one document at a time, so the ``changes`` document carries, for every changed source
file, the test files (existing in the working tree or changed with it) that

- ``import``: import it, by the ``imports`` kind's resolution (Python with the default source
  roots and the ``ast`` engine; Rust, Go, JavaScript/TypeScript and Elixir through their
  manifests). Only the test files and the changed files are scanned, not the whole tree;
- ``mirror``: sit at its mirrored test path: a test named for it (``test_x.py``/``x_test.py``,
  ``x_test.go``, ``x.test.ts``/``x.spec.ts``, ``x_test.exs``, Rust ``tests/x.rs``) whose folder,
  with the test folders (``tests``, ``test``...) left out, is a prefix or a suffix of the source
  file's folder: ``app/x.py`` <-> ``tests/test_x.py``, ``tests/app/test_x.py``, ``app/test_x.py``;
  ``crate/src/x.rs`` <-> ``crate/tests/x.rs``;
- ``inline``: the file itself, when it holds tests (Rust ``#[test]`` functions in a ``src`` file).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any

from sentinel.extractors.base import ExtractContext
from sentinel.extractors.files import language_of
from sentinel.extractors.testpaths import TEST_DIRS, is_test_path

LANGUAGES = frozenset({"python", "rust", "go", "javascript", "typescript", "elixir"})
_MANIFESTS = frozenset({"Cargo.toml", "go.mod", "package.json"})
_JS_TS = ("js", "jsx", "mjs", "cjs", "ts", "tsx", "mts", "cts")


def source_language(path: str) -> str | None:
    """The language of a changed file that can be tested, or None (docs, config, tests)."""
    language = language_of(path)
    return language if language in LANGUAGES and not is_test_path(path) else None


def _mirror_names(path: str, language: str) -> frozenset[str]:
    """The file names a test named for source ``path`` may have."""
    stem = PurePosixPath(path).stem
    if language == "python":
        return frozenset({f"test_{stem}.py", f"{stem}_test.py"})
    if language == "go":
        return frozenset({f"{stem}_test.go"})
    if language == "elixir":
        return frozenset({f"{stem}_test.exs"})
    if language == "rust":
        return frozenset({f"{stem}.rs"})
    return frozenset(f"{stem}.{kind}.{ext}" for kind in ("test", "spec") for ext in _JS_TS)


def mirrors(source: str, test: str) -> bool:
    """Whether test file ``test`` sits at a mirrored test path of source file ``source``."""
    language = source_language(source)
    if language is None or not is_test_path(test):
        return False
    test_path = PurePosixPath(test)
    if test_path.name not in _mirror_names(source, language):
        return False
    test_dirs = list(test_path.parent.parts)
    if language == "rust" and not any(part in TEST_DIRS for part in test_dirs):
        return False  # crate/src/x.rs is not a test of crate/src/x.rs's namesake elsewhere
    kept = [part for part in test_dirs if part not in TEST_DIRS]
    source_dirs = list(PurePosixPath(source).parent.parts)
    if language == "go":
        return test_dirs == source_dirs  # Go tests sit beside the code, in the same package
    n = len(kept)
    return n == 0 or source_dirs[:n] == kept or source_dirs[len(source_dirs) - n:] == kept


def _imported_modules(entry: Mapping[str, Any]) -> set[str]:
    found: set[str] = set()
    for item in entry.get("imports", []):
        found.update(item.get("modules") or [])
        found.add(item["target"])
    return found


def _importers(ctx: ExtractContext, sources: Sequence[str], tests: Sequence[str]) -> dict[str, set[str]]:
    """Changed source file -> the test files that import it."""
    # The imports and tests kinds (their parsers) load only when a change has a source file to cover.
    from sentinel.extractors import imports as imports_kind

    manifests = [f for f in ctx.files if PurePosixPath(f).name in _MANIFESTS]
    scanned = sorted({*sources, *tests, *manifests})
    sub = replace(ctx, files=tuple(scanned), options={"python": {"engine": "ast"}})
    doc = imports_kind.extract(sub)
    module_of = {e["file"]: e["module"] for e in doc["files"] if e["module"]}
    test_set = set(tests)
    imported = {e["file"]: _imported_modules(e) for e in doc["files"] if e["file"] in test_set}
    out: dict[str, set[str]] = {}
    for source in sources:
        module = module_of.get(source)
        if module is not None:
            out[source] = {t for t, modules in imported.items() if module in modules and t != source}
    return out


def _with_inline_tests(ctx: ExtractContext, sources: Iterable[str]) -> set[str]:
    """The Rust source files among ``sources`` that hold tests themselves."""
    rust = [s for s in sources if language_of(s) == "rust"]
    if not rust:
        return set()
    from sentinel.extractors import tests as tests_kind

    doc = tests_kind.extract(replace(ctx, files=tuple(rust), options={}))
    return {t["file"] for t in doc["tests"]}


def tested_by(ctx: ExtractContext, changed: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Changed file -> ``[{"file", "via", "changed"}]``, sorted; every file of ``changed`` (the
    change's non-deleted paths) that ``source_language`` accepts and that exists in the working
    tree gets an entry. ``changed`` on an entry: the test file is part of the change too."""
    present = set(ctx.files)
    sources = sorted(f for f in changed if f in present and source_language(f) is not None)
    if not sources:
        return {}
    tests = [f for f in ctx.files if is_test_path(f) and language_of(f) in LANGUAGES]
    found: dict[str, set[tuple[str, str]]] = {s: set() for s in sources}
    for source, importers in _importers(ctx, sources, tests).items():
        found[source].update((t, "import") for t in importers)
    # A mirrored test has one of a few names: look those up instead of trying every test file.
    by_name: dict[str, list[str]] = {}
    for test in tests:
        by_name.setdefault(PurePosixPath(test).name, []).append(test)
    for source in sources:
        language = source_language(source)
        names = _mirror_names(source, language) if language is not None else frozenset()
        candidates = [t for name in sorted(names) for t in by_name.get(name, ())]
        found[source].update((t, "mirror") for t in candidates if mirrors(source, t))
    for source in _with_inline_tests(ctx, sources):
        found[source].add((source, "inline"))
    in_change = set(changed)
    return {s: [{"file": f, "via": via, "changed": f in in_change} for f, via in sorted(pairs)]
            for s, pairs in found.items()}
