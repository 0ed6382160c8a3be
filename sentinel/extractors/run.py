"""Run a set of extractor kinds over a repository: the whole extract stage in one call."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

from sentinel.extractors import KINDS, gitrepo, sourcepass
from sentinel.extractors.base import DEFAULT_FILE_TIMEOUT_MS, ExtractContext
from sentinel.extractors.cache import cache_exclude, open_cache
from sentinel.extractors.errors import ExtractorError, ExtractorUsageError
from sentinel.extractors.selection import Selection, refine, select

DEFAULT_MAX_FILE_BYTES = 1_000_000
# Generated trees nobody writes rules for.
DEFAULT_EXCLUDE = (".sentinel/", ".venv/", "venv/", "__pycache__/")
# Third-party code kept in the tree: left out unless ``extract.exclude_vendored: false``.
VENDORED = ("**/vendor/**", "**/node_modules/**", "*.min.js")


def kinds_from(requested: Sequence[str] | None, settings: dict[str, Any]) -> list[str]:
    kinds = list(requested or settings.get("kinds") or KINDS)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ExtractorError(
            f"unknown extractor kind(s): {', '.join(unknown)}; choose from {', '.join(KINDS)}"
        )
    return kinds


def run_extractors(
    root: Path,
    kinds: Sequence[str] | None = None,
    base: str | None = None,
    settings: dict[str, Any] | None = None,
    *,
    listing: Selection | None = None,
    step: Callable[[str], AbstractContextManager[object]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Extract every requested kind. ``settings`` is the ``extract`` section of conftest.yml.

    A base revision that does not exist is an error up front (exit 2), before any work.
    ``file_timeout_ms`` (default 10,000) is the time one file may take in one extractor: a file
    over it is a ``timeout`` problem and the run goes on. Vendored code (:data:`VENDORED`) is left
    out unless ``exclude_vendored`` is false. Per-file results are cached (``cache``,
    ``cache_dir``, ``cache_max_bytes``; see ``sentinel.extractors.cache``).

    ``listing`` is ``select(root)`` when the caller already made it (the repository is then
    listed once per run); ``step(label)`` times a part of the work (``source pass``, then each
    kind) for a caller that shows progress.
    """
    timed = step or (lambda _label: nullcontext())
    settings = settings or {}
    file_timeout_ms = settings.get("file_timeout_ms", DEFAULT_FILE_TIMEOUT_MS)
    if isinstance(file_timeout_ms, bool) or not isinstance(file_timeout_ms, int) or file_timeout_ms <= 0:
        raise ExtractorUsageError("extract.file_timeout_ms must be a positive integer (milliseconds)")
    selected_kinds = kinds_from(kinds, settings)
    is_git = gitrepo.is_repository(root)
    if base is not None:
        if not is_git:
            raise gitrepo.GitError("--base needs a git repository", file=str(root))
        base = gitrepo.resolve(root, base)
    exclude_vendored = settings.get("exclude_vendored", True)
    if not isinstance(exclude_vendored, bool):
        raise ExtractorUsageError("extract.exclude_vendored must be true or false")
    cache = open_cache(root, settings)
    exclude = [
        *DEFAULT_EXCLUDE, *cache_exclude(root, settings), *(VENDORED if exclude_vendored else ()),
        *settings.get("exclude", []),
    ]
    include = settings.get("include", [])
    if listing is None:
        selection = select(root, include=include, exclude=exclude, is_git=is_git)
    else:
        selection = refine(listing, include=include, exclude=exclude)
    options = settings.get("options") or {}
    revision = gitrepo.head_revision(root) if is_git else None
    contexts: dict[str, ExtractContext] = {}
    for kind in selected_kinds:
        contexts[kind] = ExtractContext(
            root=root,
            files=tuple(selection.files),
            unsafe_names=tuple(selection.unsafe),
            revision=revision,
            base=base,
            is_git=is_git,
            options=dict(options.get(kind) or {}),
            max_file_bytes=int(settings.get("max_file_bytes", DEFAULT_MAX_FILE_BYTES)),
            jobs=int(settings.get("jobs", 0)),
            file_timeout_ms=file_timeout_ms,
            cache=cache,
        )
    modules = {kind: importlib.import_module(KINDS[kind]) for kind in selected_kinds}
    # The kinds with a ``plan`` go through one source pass (each file read and parsed once for
    # all of them, ``sourcepass``), then each builds its document from its per-file records.
    plans = {kind: module.plan(contexts[kind]) for kind, module in modules.items() if hasattr(module, "plan")}
    records: dict[str, list[Any]] = {}
    if plans:
        with timed("source pass"):
            records = dict(zip(plans, sourcepass.run_pass(list(plans.values())), strict=True))
    documents: dict[str, dict[str, Any]] = {}
    for kind, module in modules.items():
        ctx = contexts[kind]
        with timed(kind):
            if kind in plans:
                documents[kind] = mask_problems(_finish(module, ctx, plans[kind], records[kind]))
            else:
                documents[kind] = mask_problems(_extract(module, ctx))
    if cache is not None:
        cache.prune()
    return documents


def _extract(module: Any, ctx: ExtractContext) -> dict[str, Any]:
    """One kind's document. Cached records are data anyone who can write the cache folder may
    have forged: a record of the right shape but wrong types that makes the kind's cross-file
    step fail sends the kind through again without the cache (a real bug fails there too)."""
    if ctx.cache is None:
        return dict(module.extract(ctx))
    try:
        return dict(module.extract(ctx))
    except (TypeError, KeyError, AttributeError, IndexError):
        return dict(module.extract(replace(ctx, cache=None)))


def _finish(
    module: Any, ctx: ExtractContext, plan: sourcepass.KindPlan, records: list[Any]
) -> dict[str, Any]:
    """A source-pass kind's document from its records; on forged cached records, as :func:`_extract`."""
    if ctx.cache is None:
        return dict(plan.finish(records))
    try:
        return dict(plan.finish(records))
    except (TypeError, KeyError, AttributeError, IndexError, ValueError):
        return dict(module.extract(replace(ctx, cache=None)))


def mask_problems(document: dict[str, Any]) -> dict[str, Any]:
    """Problem messages may quote the file (a parser's error); meta.unscanned_file shows them."""
    problems = document.get("problems", [])
    if not problems:
        return document
    # Imported here: the masker loads detect-secrets, which a run without problems never needs.
    from sentinel.extractors.secrets.mask import mask_secrets

    for entry in problems:
        entry["message"] = mask_secrets(str(entry.get("message", "")))
    return document
