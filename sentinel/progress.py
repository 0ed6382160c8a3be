"""Progress of a long run on stderr, and per-step timings for ``--verbose``.

A live line (``sentinel: extract imports... 2.3s``) is drawn only when the stream is a terminal and
the run has lasted ``delay`` seconds (about one): a short run prints nothing, and a pipe or a CI
log never gets a spinner or carriage returns. The line is erased when the run ends, so what
the command prints afterwards starts on a clean line. With ``verbose``, every step's wall time
is printed when the run ends, terminal or not.

A plain line and one drawing thread rather than ``rich``: the core install stays without
another dependency, and this is all the display the CLI needs.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TextIO

DELAY_S = 1.0
INTERVAL_S = 0.1
_ERASE = "\r\x1b[2K"


def is_terminal(stream: TextIO) -> bool:
    """A terminal that can redraw a line: a TTY whose ``TERM`` is not ``dumb``."""
    try:
        return stream.isatty() and os.environ.get("TERM", "") != "dumb"
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


class Progress:
    """One run's steps: ``with progress: with progress.step("extract imports"): ...``."""

    def __init__(
        self,
        stream: TextIO,
        *,
        live: bool = False,
        verbose: bool = False,
        delay: float = DELAY_S,
        interval: float = INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.live = live
        self.verbose = verbose
        self.delay = delay
        self.interval = interval
        self.clock = clock
        self.timings: list[tuple[str, float]] = []
        self._label = ""
        self._started = 0.0
        self._drawn = False
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def per_step(self) -> bool:
        """Whether anyone looks at individual steps (callers may then split work finer)."""
        return self.live or self.verbose

    def __enter__(self) -> Progress:
        self._started = self.clock()
        if self.live:
            self._thread = threading.Thread(target=self._draw_loop, name="sentinel-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            if self._drawn:
                self.stream.write(_ERASE)
                self.stream.flush()
        if self.verbose and exc_type is None:
            self._print_timings()

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        with self._lock:
            self._label = label
        start = self.clock()
        try:
            yield
        finally:
            self.timings.append((label, self.clock() - start))

    def _draw_loop(self) -> None:
        while not self._done.wait(self.interval):
            elapsed = self.clock() - self._started
            if elapsed < self.delay:
                continue
            with self._lock:
                if self._done.is_set():
                    return
                self.stream.write(f"{_ERASE}sentinel: {self._label}... {elapsed:.1f}s")
                self.stream.flush()
                self._drawn = True

    def _print_timings(self) -> None:
        if not self.timings:
            return
        width = max(len(label) for label, _ in self.timings)
        total = self.clock() - self._started
        lines = [f"sentinel: {label.ljust(width)}  {seconds:7.3f}s" for label, seconds in self.timings]
        lines.append(f"sentinel: {'total'.ljust(width)}  {total:7.3f}s")
        self.stream.write("\n".join(lines) + "\n")
        self.stream.flush()
