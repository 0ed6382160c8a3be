"""The ``imports`` kind: per source file, its module, what it imports and its direct HTTP calls.

One module per language (``python``, ``rust``, ``go``, ``javascript`` for JS and TS,
``elixir``). Python uses grimp and ``ast``; the others tree-sitter. Options
(``extract.options.imports`` in conftest.yml):

- ``python.roots`` (default ``["."]``, plus ``"src"`` when that directory exists): source roots;
  a file's module is its dotted path below the deepest root holding it.
- ``python.engine`` (default ``"auto"``): ``auto`` uses grimp for packages and ``ast`` for the
  rest; ``ast`` parses every file with ``ast``.
- ``http_clients`` (default: see ``common.DEFAULT_HTTP_CLIENTS``): language -> call-name
  prefixes that count as direct HTTP/socket client calls; a language's list replaces its default.
"""

from __future__ import annotations

import gc
import os
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sentinel.extractors import treesitter
from sentinel.extractors.base import ExtractContext, PerFile, document, problem, read_source
from sentinel.extractors.cache import CachedRun
from sentinel.extractors.files import language_of
from sentinel.extractors.imports import elixir, go, javascript, python, rust
from sentinel.extractors.imports.common import file_entry, http_patterns, pattern_roots

TREE_SITTER_LANGUAGES = ("rust", "go", "javascript", "typescript", "elixir")
# Bump when a tree-sitter file's record changes (sentinel.extractors.cache keys on it).
CACHE_VERSION = 1

# Tree-sitter files worth worker processes: this many bytes (vendored bundles) or files.
_POOL_BYTES = 256 * 1024
_POOL_FILES = 200

_Job = tuple[str, str, str, int, str | None, tuple[str, ...]]
_Scanned = tuple[dict[str, Any] | None, list[dict[str, Any]], list[str]]


def _scan_worker(job: _Job) -> _Scanned:
    """Scan one tree-sitter file: (file record or None, problems, modules it defines)."""
    root, rel, language, max_bytes, module, patterns = job
    source, prob = read_source(ExtractContext(root=Path(root), files=(), max_file_bytes=max_bytes), rel)
    if source is None:
        return None, [prob] if prob else [], []
    grammar = treesitter.grammar_for(rel) or language
    tree = treesitter.parser(grammar).parse(source.encode("utf-8"))
    problems = []
    error_line = treesitter.first_error_line(tree)
    if error_line is not None:
        problems.append(problem(rel, f"syntax error ({grammar}); what follows it may be incomplete",
                                line=error_line, code="syntax"))
    if not any(root in source for root in pattern_roots(patterns)):
        patterns = ()  # no call in this file can match: skip looking at calls at all
    if language == "rust":
        found = rust.scan(tree, rel, module, patterns)
    elif language == "go":
        found = go.scan(tree, rel, module, patterns)
    elif language == "elixir":
        found = elixir.scan(tree, rel, module, patterns)
    else:
        found = javascript.scan(tree, rel, module, patterns, grammar)
    entry = file_entry(rel, language, found.module, found.imports, found.calls)
    return entry, problems, found.defines


def _well_formed(value: Any) -> bool:
    """Whether a cached value has the shape :func:`_scan_worker` gives (a cache folder may be
    written by anyone)."""
    return (type(value) is tuple and len(value) == 3 and type(value[1]) is list and type(value[2]) is list
            and (value[0] is None or (type(value[0]) is dict and type(value[0].get("imports")) is list)))


def _job_file(job: _Job) -> str:
    return job[1]


def _scan_failed(job: _Job, prob: dict[str, Any]) -> _Scanned:
    return None, [prob], []


def _group(files: Sequence[str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for rel in files:
        language = language_of(rel)
        if language == "python" or language in TREE_SITTER_LANGUAGES:
            groups.setdefault(language, []).append(rel)
    return groups


def _size(ctx: ExtractContext, rel: str) -> int:
    try:
        return ctx.path(rel).stat().st_size
    except OSError:
        return 0


@contextmanager
def _scanning(ctx: ExtractContext, jobs: list[_Job]) -> Iterator[Callable[[], list[_Scanned]]]:
    """Scan the tree-sitter files; the function given collects the results, in the jobs' order.

    Many files, or few with many bytes (a vendored bundle takes as long as hundreds of small
    files), go to worker processes (one per core) that start here, before the Python files
    are looked at, and work while they are. Few big files go one per task, the largest
    first, so that no worker is left with all of them; many files go in chunks, as
    ``parallel_map`` sends them. Anything else is scanned in this process on collection.
    """
    scan = PerFile(_scan_worker, _job_file, _scan_failed, ctx.file_timeout_ms)
    workers = min(ctx.jobs or os.cpu_count() or 1, len(jobs))
    sizes = [_size(ctx, job[1]) for job in jobs] if workers > 1 and len(jobs) < _POOL_FILES else []
    if workers <= 1 or (len(jobs) < _POOL_FILES and sum(sizes) < _POOL_BYTES):
        yield lambda: [scan(job) for job in jobs]
        return
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        if sizes:
            largest_first = sorted(range(len(jobs)), key=lambda i: -sizes[i])
            futures = {i: pool.submit(scan, jobs[i]) for i in largest_first}
            yield lambda: [futures[i].result() for i in range(len(jobs))]
        else:
            results = pool.map(scan, jobs, chunksize=max(16, len(jobs) // (workers * 4)))
            yield lambda: list(results)
    finally:
        pool.shutdown(cancel_futures=True)  # after an error in between, do not wait for the rest


def extract(ctx: ExtractContext) -> dict[str, Any]:
    # The scans make many short-lived objects and no reference cycles: the cyclic garbage
    # collector's passes over them would cost about 5% of the time, so it rests meanwhile.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _extract(ctx)
    finally:
        if enabled:
            gc.enable()


def _extract(ctx: ExtractContext) -> dict[str, Any]:
    patterns = http_patterns(ctx.options)
    groups = _group(ctx.files)
    entries: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []

    crate_dirs: dict[str, str] = {}
    go_mods: dict[str, str] = {}
    js_packages: frozenset[str] = frozenset()
    manifest_problems: list[dict[str, Any]] = []
    if "rust" in groups:
        crate_dirs, more = rust.crates(ctx, ctx.files)
        manifest_problems.extend(more)
    if "go" in groups:
        go_mods, more = go.modules(ctx, ctx.files)
        manifest_problems.extend(more)
    if "javascript" in groups or "typescript" in groups:
        js_packages, more = javascript.packages(ctx, ctx.files)
        manifest_problems.extend(more)

    jobs: list[_Job] = []
    for language in TREE_SITTER_LANGUAGES:
        for rel in groups.get(language, []):
            module: str | None = None
            if language == "rust":
                module = rust.module_name(rel, crate_dirs)
            elif language == "go":
                module = go.module_name(rel, go_mods)
            elif language in ("javascript", "typescript"):
                module = javascript.module_name(rel)
            jobs.append((str(ctx.root), rel, language, ctx.max_file_bytes, module,
                         tuple(patterns.get(language, ()))))

    # A file's record depends on its module, which for Rust and Go comes from the manifests.
    run = CachedRun(ctx, "imports", CACHE_VERSION, [job[1] for job in jobs],
                    salt={"language": "tree-sitter", "crates": crate_dirs, "go": go_mods})
    results: dict[int, _Scanned] = {}
    missing = list(run.missing)
    for index, value in run.hits.items():
        if _well_formed(value):
            results[index] = value
        else:
            missing.append(index)
    with _scanning(ctx, [jobs[i] for i in missing]) as collect:
        if "python" in groups:
            found, more = python.extract_python(ctx, groups["python"], patterns.get("python", ()))
            entries.extend(found)
            problems.extend(more)
        computed = collect()
    for index, value in zip(missing, computed, strict=True):
        results[index] = value
        run.store(index, value)
    run.close()
    problems.extend(manifest_problems)

    scanned: list[dict[str, Any]] = []
    defined: set[str] = set()
    for index in range(len(jobs)):
        entry, more, defines = results[index]
        problems.extend(more)
        defined.update(defines)
        if entry is not None:
            # a copy: the classification below must not change the cached record
            scanned.append({**entry, "imports": [dict(item) for item in entry["imports"]]})

    crate_names = frozenset(crate_dirs.values())
    go_paths = frozenset(go_mods.values())
    elixir_modules = frozenset(defined)
    rust_modules = rust.known_modules(e for e in scanned if e["language"] == "rust")
    for entry in scanned:
        language = entry["language"]
        for item in entry["imports"]:
            if item["kind"] is not None:
                continue
            if language == "rust":
                item["target"] = rust.localize(item["target"], entry["module"], rust_modules, crate_names)
                item["kind"] = rust.classify(item["target"], crate_names)
                if item["kind"] == "first_party":
                    item["modules"] = [rust.module_of(item["target"], rust_modules)]
            elif language == "go":
                item["kind"] = go.classify(item["target"], go_paths)
            elif language == "elixir":
                item["kind"] = elixir.classify(item["target"], elixir_modules)
            else:
                item["kind"] = javascript.classify(item["target"], js_packages)
    entries.extend(scanned)
    entries.sort(key=lambda e: e["file"])

    imports = [i for e in entries for i in e["imports"]]
    modules = defined_modules(entries)
    summary = {
        "files": len(entries),
        "imports": len(imports),
        "calls": sum(len(e["calls"]) for e in entries),
        "async_functions": sum(len(e["async_functions"]) for e in entries),
        "by_kind": dict(sorted(Counter(i["kind"] for i in imports).items())),
        "by_language": dict(sorted(Counter(e["language"] for e in entries).items())),
    }
    return document(ctx, "imports", files=entries, modules=modules, summary=summary, problems=problems)


_SEPARATORS = {"rust": "::", "go": "/", "javascript": "/", "typescript": "/"}


def defined_modules(entries: Sequence[dict[str, Any]]) -> list[str]:
    """Every first-party module and package: each file's module and the packages holding it.

    Import contracts name these; a contract naming anything else names nothing (a typo, a
    renamed package), and the rules report that instead of passing.
    """
    out: set[str] = set()
    for entry in entries:
        name = entry["module"]
        if not isinstance(name, str) or not name:
            continue
        sep = _SEPARATORS.get(entry["language"], ".")
        parts = name.split(sep)
        out.update(sep.join(parts[:n]) for n in range(1, len(parts) + 1))
    return sorted(out)
