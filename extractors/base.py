"""What every extractor shares: its context, the document envelope and parallel mapping.

An extractor is a module in ``extractors/`` with a function ``extract(ctx) -> dict`` that returns
one input document. Extractors read the repository (and git, where they need a base revision);
they know nothing of Rego, the runner or GitHub.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

SCHEMA_VERSION = 1

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class ExtractContext:
    """Everything an extractor may look at.

    ``files`` are the repository-relative POSIX paths selected for extraction (tracked and
    untracked-but-not-ignored files in a git repository, every file elsewhere, after the
    include/exclude globs), sorted. ``options`` are this kind's options from ``conftest.yml``.
    """

    root: Path
    files: tuple[str, ...]
    revision: str | None = None
    base: str | None = None
    is_git: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    max_file_bytes: int = 1_000_000
    jobs: int = 0

    def path(self, rel: str) -> Path:
        return self.root / rel


def document(ctx: ExtractContext, kind: str, **body: Any) -> dict[str, Any]:
    """The envelope every input document shares (see shared/spec/README.md)."""
    doc: dict[str, Any] = {
        "kind": kind,
        "schema_version": SCHEMA_VERSION,
        "root": ".",
        "revision": ctx.revision,
    }
    doc.update(body)
    doc.setdefault("problems", [])
    doc["problems"] = sorted(doc["problems"], key=lambda p: (p["file"], p.get("line") or 0, p["message"]))
    return doc


def problem(file: str, message: str, line: int | None = None, code: str = "unreadable") -> dict[str, Any]:
    """A file the extractor could not read fully: recorded, never a crash."""
    return {"file": file, "line": line, "code": code, "message": message}


def parallel_map(func: Callable[[T], R], items: Iterable[T], jobs: int = 0, min_items: int = 200) -> list[R]:
    """Map ``func`` over ``items`` on all cores when there are many, in order.

    ``func`` must be a picklable module-level function. Small inputs run in-process: starting
    workers costs more than it saves below a few hundred files.
    """
    seq = list(items)
    workers = jobs or os.cpu_count() or 1
    if workers <= 1 or len(seq) < min_items:
        return [func(x) for x in seq]
    chunk = max(16, len(seq) // (workers * 4))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(func, seq, chunksize=chunk))


def read_source(ctx: ExtractContext, rel: str) -> tuple[str | None, dict[str, Any] | None]:
    """The text of ``rel``, or a problem saying why it cannot be read as source.

    Files over ``ctx.max_file_bytes``, files with NUL bytes (binary) and files that are not
    valid UTF-8 are not read; the extractor records the problem and goes on. Plain ``os`` calls,
    not pathlib: on small files pathlib costs about as much as the read itself.
    """
    path = os.path.join(ctx.root, rel)
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            size = os.fstat(fd).st_size
            if size > ctx.max_file_bytes:
                message = f"file is {size} bytes, over the {ctx.max_file_bytes}-byte limit; skipped"
                return None, problem(rel, message, code="too_large")
            chunks = []
            while chunk := os.read(fd, max(size, 1 << 16)):
                chunks.append(chunk)
            data = b"".join(chunks)
        finally:
            os.close(fd)
    except OSError as exc:
        return None, problem(rel, f"cannot read file: {exc.strerror or exc}", code="unreadable")
    if b"\0" in data:
        return None, problem(rel, "binary file (contains NUL bytes); skipped", code="binary")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, problem(rel, f"not valid UTF-8 at byte {exc.start}; skipped", line=line, code="encoding")
