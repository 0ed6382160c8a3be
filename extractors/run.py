"""Run a set of extractor kinds over a repository: the whole extract stage in one call."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from extractors import KINDS, gitrepo
from extractors.base import ExtractContext
from extractors.selection import select_files
from sentinel.errors import SentinelError

DEFAULT_MAX_FILE_BYTES = 1_000_000
# Generated and vendored trees nobody writes rules for.
DEFAULT_EXCLUDE = (".sentinel/", "node_modules/", ".venv/", "venv/", "__pycache__/")


def kinds_from(requested: Sequence[str] | None, settings: dict[str, Any]) -> list[str]:
    kinds = list(requested or settings.get("kinds") or KINDS)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise SentinelError(
            f"unknown extractor kind(s): {', '.join(unknown)}; choose from {', '.join(KINDS)}"
        )
    return kinds


def run_extractors(
    root: Path,
    kinds: Sequence[str] | None = None,
    base: str | None = None,
    settings: dict[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """Extract every requested kind. ``settings`` is the ``extract`` section of conftest.yml.

    A base revision that does not exist is an error up front (exit 2), before any work.
    """
    settings = settings or {}
    selected_kinds = kinds_from(kinds, settings)
    is_git = gitrepo.is_repository(root)
    if base is not None:
        if not is_git:
            raise gitrepo.GitError("--base needs a git repository", file=str(root))
        base = gitrepo.resolve(root, base)
    exclude = [*DEFAULT_EXCLUDE, *settings.get("exclude", [])]
    files = select_files(root, include=settings.get("include", []), exclude=exclude)
    options = settings.get("options") or {}
    revision = gitrepo.head_revision(root) if is_git else None
    documents: dict[str, dict[str, Any]] = {}
    for kind in selected_kinds:
        ctx = ExtractContext(
            root=root,
            files=tuple(files),
            revision=revision,
            base=base,
            is_git=is_git,
            options=dict(options.get(kind) or {}),
            max_file_bytes=int(settings.get("max_file_bytes", DEFAULT_MAX_FILE_BYTES)),
            jobs=int(settings.get("jobs", 0)),
        )
        module = importlib.import_module(KINDS[kind])
        documents[kind] = module.extract(ctx)
    return documents
