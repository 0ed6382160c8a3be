"""What every extractor shares: its context, the document envelope and parallel mapping.

An extractor is a module in ``extractors/`` with a function ``extract(ctx) -> dict`` that returns
one input document. Extractors read the repository (and git, where they need a base revision);
they know nothing of Rego, the runner or GitHub. A kind that reads source files per file also has
``plan(ctx)``: its visitor in the shared source pass (``sourcepass``), where each file is read and
parsed once for all such kinds.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Generic, TypeVar

SCHEMA_VERSION = 1
DEFAULT_FILE_TIMEOUT_MS = 10_000

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class ExtractContext:
    """Everything an extractor may look at.

    ``files`` are the repository-relative POSIX paths selected for extraction (tracked and
    untracked-but-not-ignored files in a git repository, every file elsewhere, after the
    include/exclude globs), sorted. ``options`` are this kind's options from ``conftest.yml``.
    ``unsafe_names`` are the names the selection refused (control characters, not UTF-8).
    ``file_timeout_ms`` is the time one file may take in one extractor (see :class:`PerFile`).
    """

    root: Path
    files: tuple[str, ...]
    revision: str | None = None
    base: str | None = None
    is_git: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    max_file_bytes: int = 1_000_000
    jobs: int = 0
    file_timeout_ms: int = DEFAULT_FILE_TIMEOUT_MS
    unsafe_names: tuple[str, ...] = ()
    # The run's per-file result cache (``sentinel.extractors.cache.FileCache``), or None: kinds
    # reach it through ``cache.map_files`` only.
    cache: Any = None

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
    """A file the extractor could not read fully: recorded, never a crash (and a finding:
    ``meta.unscanned_file``). ``run_extractors`` masks secrets in the message."""
    return {"file": file, "line": line, "code": code, "message": message}


class FileTimeout(Exception):
    """One file used up its time budget (``extract.file_timeout_ms``)."""

    def __init__(self, file: str, budget_ms: int) -> None:
        super().__init__(f"{file}: over the {budget_ms} ms per-file time budget")
        self.file = file
        self.budget_ms = budget_ms

    def __reduce__(self) -> tuple[type[FileTimeout], tuple[str, int]]:
        return (type(self), (self.file, self.budget_ms))


# What hostile file content can make a parser, or a walk over what it built, raise. Anything
# else escaping an extractor is a bug in it and stays loud.
PER_FILE_ERRORS: tuple[type[BaseException], ...] = (
    RecursionError, MemoryError, OSError, ValueError, UnicodeError, SyntaxError, FileTimeout,
)


@dataclass(frozen=True)
class _Budget:
    file: str
    budget_ms: int
    deadline: float


_BUDGET: ContextVar[_Budget | None] = ContextVar("sentinel_file_budget", default=None)


def check_budget() -> None:
    """Raise :class:`FileTimeout` when the file being extracted has used up its budget.

    Called between library calls that may take long on a hostile file (tree-sitter queries,
    tree walks); the alarm armed by :func:`file_budget` covers the Python code in between.
    """
    budget = _BUDGET.get()
    if budget is not None and time.monotonic() >= budget.deadline:
        raise FileTimeout(budget.file, budget.budget_ms)


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    budget = _BUDGET.get()
    if budget is None:
        return
    left = budget.deadline - time.monotonic()
    if left > 0:  # woken early: sleep again for the rest
        signal.setitimer(signal.ITIMER_REAL, left)
        return
    raise FileTimeout(budget.file, budget.budget_ms)


@contextmanager
def file_budget(rel: str, budget_ms: int) -> Iterator[None]:
    """Give ``rel`` ``budget_ms`` milliseconds; past them the code inside raises FileTimeout.

    In the main thread (the extract run, or a worker process) a ``SIGALRM`` interval timer
    interrupts Python code; C calls (a parse, a query) are bounded by :func:`check_budget`
    between them. Elsewhere, or when a timer is already in use, only the checks apply. A budget
    inside another keeps the outer one.
    """
    if _BUDGET.get() is not None:
        yield
        return
    token = _BUDGET.set(_Budget(rel, budget_ms, time.monotonic() + budget_ms / 1000))
    armed = False
    previous: Any = None
    if threading.current_thread() is threading.main_thread() and signal.getitimer(signal.ITIMER_REAL)[0] == 0:
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, budget_ms / 1000)
        armed = True
    try:
        yield
    finally:
        _BUDGET.reset(token)  # first: an alarm arriving from here on does nothing
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"|[\[{(]|[\]})]')


def deepest_line(text: str) -> int:
    """The 1-based line where bracket nesting (``[{(``, JSON strings skipped) is deepest first."""
    depth = deepest = at = 0
    for match in _NESTING.finditer(text):
        token = match.group()
        if token in "[{(":
            depth += 1
            if depth > deepest:
                deepest, at = depth, match.start()
        elif token in "]})":
            depth -= 1
    return text.count("\n", 0, at) + 1


def problem_for(rel: str, exc: BaseException) -> dict[str, Any]:
    """The problem recording that ``rel`` could not be extracted because of ``exc``."""
    if isinstance(exc, FileTimeout):
        message = (f"took longer than the {exc.budget_ms} ms per-file time budget "
                   "(extract.file_timeout_ms); skipped")
        return problem(rel, message, code="timeout")
    if isinstance(exc, SyntaxError):
        return problem(rel, f"syntax error: {exc.msg}", line=exc.lineno or None, code="syntax")
    if isinstance(exc, RecursionError):
        return problem(rel, "nested too deeply to analyse; skipped", code="too_deep")
    if isinstance(exc, MemoryError):
        return problem(rel, "too large to analyse in memory; skipped", code="too_large")
    if isinstance(exc, OSError):
        return problem(rel, f"cannot read: {exc.strerror or exc}", code="unreadable")
    if isinstance(exc, UnicodeError):
        return problem(rel, f"cannot decode: {exc}", code="encoding")
    return problem(rel, f"cannot analyse: {type(exc).__name__}: {exc}"[:500], code="malformed")


@dataclass(frozen=True)
class PerFile(Generic[T, R]):
    """``func`` over one file's job, within the file's time budget; what a hostile file makes it
    raise (:data:`PER_FILE_ERRORS`) becomes ``on_problem(job, problem)`` and the run goes on.

    Picklable when its functions are module-level, so it can go to worker processes.
    """

    func: Callable[[T], R]
    file_of: Callable[[T], str]
    on_problem: Callable[[T, dict[str, Any]], R]
    budget_ms: int = DEFAULT_FILE_TIMEOUT_MS

    def __call__(self, job: T) -> R:
        rel = self.file_of(job)
        try:
            with file_budget(rel, self.budget_ms):
                return self.func(job)
        except PER_FILE_ERRORS as exc:
            return self.on_problem(job, problem_for(rel, exc))


def parallel_map(func: Callable[[T], R], items: Iterable[T], jobs: int = 0, min_items: int = 200) -> list[R]:
    """Map ``func`` over ``items`` on all cores when there are many, in order.

    ``func`` must be picklable: a module-level function, or a :class:`PerFile` over one (how an
    extractor maps over files, so that one bad file is a problem, never the end of the run).
    Small inputs run in-process: starting workers costs more than it saves below a few hundred
    files.
    """
    seq = list(items)
    workers = jobs or os.cpu_count() or 1
    if workers <= 1 or len(seq) < min_items:
        return [func(x) for x in seq]
    chunk = max(16, len(seq) // (workers * 4))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(func, seq, chunksize=chunk))


def read_source(
    ctx: ExtractContext, rel: str, *, replace_invalid: bool = False
) -> tuple[str | None, dict[str, Any] | None]:
    """The text of ``rel``, or a problem saying why it cannot be read as source.

    Files over ``ctx.max_file_bytes``, files with NUL bytes (binary) and files that are not
    valid UTF-8 are not read; the extractor records the problem and goes on (the policies treat
    every problem as a finding, ``meta.unscanned_file``). With ``replace_invalid``, invalid UTF-8
    is read as U+FFFD instead, for kinds that only look at text (a stray byte must not hide a
    marker).
    """
    _, text, prob = read_source_bytes(ctx.root, rel, ctx.max_file_bytes, replace_invalid=replace_invalid)
    return text, prob


def read_source_bytes(
    root: Path | str, rel: str, max_file_bytes: int, *, replace_invalid: bool = False
) -> tuple[bytes | None, str | None, dict[str, Any] | None]:
    """:func:`read_source` with the bytes too (a tree-sitter parse takes them; encoding the text
    again would cost a copy). Plain ``os`` calls, not pathlib: on small files pathlib costs
    about as much as the read itself."""
    path = os.path.join(root, rel)
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            size = os.fstat(fd).st_size
            if size > max_file_bytes:
                message = f"file is {size} bytes, over the {max_file_bytes}-byte limit; skipped"
                return None, None, problem(rel, message, code="too_large")
            chunks = []
            while chunk := os.read(fd, max(size, 1 << 16)):
                chunks.append(chunk)
            data = b"".join(chunks)
        finally:
            os.close(fd)
    except OSError as exc:
        return None, None, problem(rel, f"cannot read file: {exc.strerror or exc}", code="unreadable")
    if b"\0" in data:
        return None, None, problem(rel, "binary file (contains NUL bytes); skipped", code="binary")
    if replace_invalid:
        return data, data.decode("utf-8", errors="replace"), None
    try:
        return data, data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = f"not valid UTF-8 at byte {exc.start}; skipped"
        return None, None, problem(rel, message, line=line, code="encoding")
