"""Evaluation in forked worker processes with a time limit and a memory limit.

regorus 0.13 offers no execution limits: a loop over ``numbers.range(1, 200000000)`` allocates
gigabytes and aborts the process, three nested ``some`` loops run for hours, and an engine defect
can end in SIGSEGV. So the compiled engine is forked into worker processes (copy-on-write, no
recompilation) and each worker

- caps its address space with ``RLIMIT_AS``: the memory limit is added to what the worker has
  mapped when it starts, because importing regorus alone reserves about 1 GiB of address space;
- reports the item it is on and the rule it is evaluating through shared memory, so the parent
  can kill a worker that spends longer than the time limit on one item and name the rule;
- sends its results back in batches over a pipe.

A worker that dies (a signal, a failed allocation) or times out becomes a PolicyError (exit 2)
naming the item and the rule; the parent never reports a partial result.
"""

from __future__ import annotations

import ctypes
import faulthandler
import multiprocessing
import multiprocessing.connection
import os
import re
import resource
import signal
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, Any, Generic, TypeVar

from sentinel.errors import PolicyError, SentinelError

T = TypeVar("T")
R = TypeVar("R")

# 30 s per item: the whole library on a large repository's biggest input takes well under 1 s,
# so only a runaway policy reaches it. 2 GiB more address space per worker: inputs are capped at
# 64 MiB, and two workers (the machine has 2 cores) stay far below the machine's memory.
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MEMORY_BYTES = 2 * 1024**3
_BATCH = 64
_BATCH_SECONDS = 0.05
_STEP_BYTES = 1024
_FORK = multiprocessing.get_context("fork")
# Lines of a Rust backtrace or its footnote, not the error itself.
_NOISE = re.compile(r"^(\d+:|at |stack backtrace|note:)", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """Per-item wall-clock seconds and per-worker bytes of extra address space; 0 turns one off."""

    timeout: float = DEFAULT_TIMEOUT_S
    memory: int = DEFAULT_MEMORY_BYTES


class Progress:
    """What a worker is doing, in memory shared with the parent: the item index and the step."""

    def __init__(self) -> None:
        self.item = _FORK.RawValue(ctypes.c_longlong, -1)
        self._step = _FORK.RawArray(ctypes.c_char, _STEP_BYTES)

    def step(self, label: str, file: str | None = None, line: int | None = None) -> None:
        """Record the step (a rule) being run; cheap enough to call before every rule."""
        text = f"{label}\t{file or ''}\t{line or ''}".encode("utf-8", "replace")[: _STEP_BYTES - 1]
        self._step.value = text

    def current(self) -> tuple[str, str | None, int | None]:
        label, file, line = [*self._step.value.decode("utf-8", "replace").split("\t"), "", ""][:3]
        return label, file or None, int(line) if line.isdigit() else None


@dataclass
class _Worker(Generic[T]):
    process: Any
    conn: multiprocessing.connection.Connection
    progress: Progress
    items: Sequence[T]
    start: int
    stderr: IO[bytes]
    results: list[Any]
    done: bool = False
    seen_item: int = -1
    seen_at: float = 0.0


def run_guarded(
    items: Sequence[T],
    work: Callable[[T], R],
    limits: Limits,
    describe: Callable[[T], str],
    workers: int = 1,
    setup: Callable[[Progress], None] | None = None,
) -> list[R]:
    """``[work(item) for item in items]`` in ``workers`` forked processes, within ``limits``.

    ``setup`` runs in each worker first (to hook the engine's per-rule progress). A SentinelError
    raised by ``work`` is re-raised here; results keep the order of ``items``.
    """
    if not items:
        return []
    count = max(1, min(workers, len(items)))
    size = -(-len(items) // count)
    pool: list[_Worker[T]] = []
    try:
        for start in range(0, len(items), size):
            pool.append(_spawn(items, start, min(start + size, len(items)), work, limits, setup))
        _supervise(pool, limits, describe)
    finally:
        for worker in pool:
            if worker.process.is_alive():
                worker.process.kill()
            worker.process.join()
            worker.conn.close()
            worker.stderr.close()
    return [result for worker in pool for result in worker.results]


def _spawn(
    items: Sequence[T],
    start: int,
    stop: int,
    work: Callable[[T], R],
    limits: Limits,
    setup: Callable[[Progress], None] | None,
) -> _Worker[T]:
    progress = Progress()
    stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by run_guarded)
    parent_end, child_end = _FORK.Pipe(duplex=False)
    process = _FORK.Process(
        target=_child,
        args=(child_end, items, start, stop, work, limits, setup, progress, stderr.fileno()),
        daemon=True,
    )
    process.start()
    child_end.close()
    return _Worker(process, parent_end, progress, items, start, stderr, [], seen_at=time.monotonic())


def _child(
    conn: multiprocessing.connection.Connection,
    items: Sequence[T],
    start: int,
    stop: int,
    work: Callable[[T], R],
    limits: Limits,
    setup: Callable[[Progress], None] | None,
    progress: Progress,
    stderr_fd: int,
) -> None:
    # The engine's own messages (a failed allocation) go to a file the parent reads after a crash.
    os.dup2(stderr_fd, 2)
    # A crash is reported by the parent; a traceback dump from the host's faulthandler would only
    # be noise on the console.
    faulthandler.disable()
    if limits.memory:
        cap = _mapped_bytes() + limits.memory
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    if setup is not None:
        setup(progress)
    batch: list[R] = []
    sent = time.monotonic()
    for index in range(start, stop):
        progress.item.value = index
        progress.step("")
        try:
            batch.append(work(items[index]))
        except SentinelError as exc:
            conn.send(("error", exc))
            return
        except MemoryError:
            conn.send(("memory", None))
            return
        except RecursionError:
            conn.send(("recursion", None))
            return
        now = time.monotonic()
        if len(batch) >= _BATCH or now - sent > _BATCH_SECONDS:
            conn.send(("ok", batch))
            batch, sent = [], now
    conn.send(("ok", batch))
    conn.send(("done", None))


def _mapped_bytes() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _supervise(pool: list[_Worker[T]], limits: Limits, describe: Callable[[T], str]) -> None:
    tick = min(1.0, limits.timeout / 10) if limits.timeout else 1.0
    while not all(w.done for w in pool):
        open_conns = {w.conn: w for w in pool if not w.done}
        for conn in multiprocessing.connection.wait(list(open_conns), timeout=tick):
            worker = open_conns[conn]  # type: ignore[index]
            try:
                kind, payload = worker.conn.recv()
            except EOFError:
                worker.process.join()
                raise _crash_error(worker, limits, describe) from None
            if kind == "error":
                raise payload
            if kind == "memory":
                raise _memory_error(worker, limits, describe)
            if kind == "recursion":
                doing, file, line = _current(worker, describe)
                raise PolicyError(f"{doing}: nesting too deep", file=file, line=line)
            if kind == "ok":
                worker.results.extend(payload)
            else:
                worker.done = True
        if limits.timeout:
            now = time.monotonic()
            for worker in pool:
                if worker.done:
                    continue
                item = worker.progress.item.value
                if item != worker.seen_item:
                    worker.seen_item, worker.seen_at = item, now
                elif now - worker.seen_at > limits.timeout:
                    worker.process.kill()
                    raise _timeout_error(worker, limits, describe)


def _current(worker: _Worker[T], describe: Callable[[T], str]) -> tuple[str, str | None, int | None]:
    """What the worker was doing (``evaluating data.main.deny (input x.json)``), and the rule's file, line."""
    index = worker.progress.item.value
    what = describe(worker.items[index]) if 0 <= index < len(worker.items) else ""
    label, file, line = worker.progress.current()
    doing = label or "evaluating the policies"
    return (f"{doing} ({what})" if what else doing), file, line


def _timeout_error(worker: _Worker[T], limits: Limits, describe: Callable[[T], str]) -> PolicyError:
    doing, file, line = _current(worker, describe)
    return PolicyError(
        f"{doing} took longer than the time limit of {limits.timeout:g} s "
        "(does a policy loop or iterate too much? raise the limit with --timeout)",
        file=file,
        line=line,
    )


def _memory_error(worker: _Worker[T], limits: Limits, describe: Callable[[T], str]) -> PolicyError:
    doing, file, line = _current(worker, describe)
    return PolicyError(
        f"{doing} went over the memory limit of {_size(limits.memory)} (raise it with --memory-limit)",
        file=file,
        line=line,
    )


def _crash_error(worker: _Worker[T], limits: Limits, describe: Callable[[T], str]) -> PolicyError:
    doing, file, line = _current(worker, describe)
    code = worker.process.exitcode or 0
    how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
    worker.stderr.seek(0)
    lines = worker.stderr.read()[-8000:].decode("utf-8", "replace").splitlines()
    # The engine's own message comes first; a Rust backtrace (or our traceback) may follow.
    useful = [ln.strip() for ln in lines if ln.strip() and not _NOISE.match(ln.strip())]
    detail = f": {next((ln for ln in useful if 'memory allocation' in ln), useful[0])}" if useful else ""
    if limits.memory and "memory allocation" in detail:
        message = f"{doing} went over the memory limit of {_size(limits.memory)}{detail}"
        return PolicyError(f"{message} (raise it with --memory-limit)", file=file, line=line)
    return PolicyError(f"the Rego engine crashed ({how}{detail}) {doing}", file=file, line=line)


def _size(value: int) -> str:
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if value >= factor and value % factor == 0:
            return f"{value // factor} {unit}"
    return f"{value} bytes"


def parse_size(text: str) -> int:
    """``2GiB``, ``512MiB``, ``512M``, ``1G``, ``1000000`` (bytes) -> bytes; ``0`` is no limit."""
    value = text.strip().lower().replace(" ", "")
    units = {
        "kib": 1024,
        "kb": 1000,
        "k": 1024,
        "mib": 1024**2,
        "mb": 1000**2,
        "m": 1024**2,
        "gib": 1024**3,
        "gb": 1000**3,
        "g": 1024**3,
        "b": 1,
    }
    for suffix in sorted(units, key=len, reverse=True):
        if value.endswith(suffix):
            number = value[: -len(suffix)]
            break
    else:
        number, suffix = value, "b"
    try:
        amount = float(number)
    except ValueError:
        raise ValueError(f"not a size: {text!r} (use e.g. 2GiB, 512MiB or a number of bytes)") from None
    if amount < 0 or amount != amount or amount == float("inf"):
        raise ValueError(f"not a size: {text!r}")
    return int(amount * units[suffix])
