"""The decision logger: a bounded queue between the request path and a :class:`DecisionLogSink`.

The queue is bounded twice: by records (``queue_size``) and by the approximate bytes they hold
(``max_bytes``, from the size of each request body: an attacker sending 1 MiB bodies must not
make 10,000 queued records hold 10 GiB). When either bound is reached the new record is **dropped
and counted** (``on_drop``; the HTTP service exports it as ``decision_log_dropped_total``), as
OPA's decision-log plugin drops events once its buffer is full. Back-pressure was rejected: it
would let a slow disk or a stuck sink add latency to (or time out, hence deny) every decision. A
drop is never silent: it is counted and logged.

One daemon thread drains the queue in batches, applies the masking rules (off the request path) and
writes each batch with one ``sink.write`` call.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sentinel.runtime.logs.mask import MaskRule, apply_rules
from sentinel.runtime.logs.sink import DecisionLogSink

log = logging.getLogger(__name__)

_STOP: Any = object()
DEFAULT_QUEUE_SIZE = 10_000
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_BATCH = 512


class DecisionLogger:
    """Accepts records from any thread without blocking; writes them in order from one thread."""

    def __init__(
        self,
        sink: DecisionLogSink,
        *,
        mask: Sequence[MaskRule] = (),
        queue_size: int = DEFAULT_QUEUE_SIZE,
        max_bytes: int = DEFAULT_MAX_BYTES,
        batch_size: int = DEFAULT_BATCH,
        on_drop: Callable[[], None] | None = None,
        on_error: Callable[[], None] | None = None,
    ) -> None:
        if queue_size < 1 or batch_size < 1 or max_bytes < 1:
            raise ValueError("queue_size, max_bytes and batch_size must be positive")
        self._max_bytes = max_bytes
        self._bytes = 0
        self._bytes_lock = threading.Lock()
        self._sink = sink
        self._mask = tuple(mask)
        self._batch = batch_size
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
        self._on_drop = on_drop
        self._on_error = on_error
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.dropped = 0
        self.errors = 0

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="decision-log", daemon=True)
                self._thread.start()

    def log(self, record: Mapping[str, Any], size: int = 0) -> bool:
        """Queue ``record`` (not copied: the caller must not change it afterwards), ``size`` being
        about how many bytes it holds (its request body's length); False if dropped."""
        with self._bytes_lock:
            fits = self._bytes + size <= self._max_bytes
            if fits:
                self._bytes += size
        if fits:
            try:
                self._queue.put_nowait((record, size))
                return True
            except queue.Full:
                with self._bytes_lock:
                    self._bytes -= size
        self._count_drop()
        return False

    def _count_drop(self) -> None:
        self.dropped += 1
        if self._on_drop is not None:
            self._on_drop()
        if self.dropped == 1 or self.dropped % 1000 == 0:
            log.warning("decision log queue full, record dropped", extra={"dropped_total": self.dropped})

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, stop the thread and close the sink."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout)
        else:
            self._drain_now()
        self._sink.close()

    def _drain_now(self) -> None:
        batch: list[tuple[Mapping[str, Any], int]] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not _STOP:
                batch.append(item)
        if batch:
            self._write(batch)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            stop = item is _STOP
            batch: list[tuple[Mapping[str, Any], int]] = [] if stop else [item]
            while not stop and len(batch) < self._batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                else:
                    batch.append(item)
            if batch:
                self._write(batch)
            if stop:
                return

    def _write(self, batch: list[tuple[Mapping[str, Any], int]]) -> None:
        records = [record for record, _ in batch]
        try:
            self._write_records(records)
        finally:
            with self._bytes_lock:
                self._bytes -= sum(size for _, size in batch)

    def _write_records(self, records: list[Mapping[str, Any]]) -> None:
        masked = [apply_rules(dict(r), self._mask) for r in records] if self._mask else records
        try:
            self._sink.write(masked)
            return
        except Exception:  # a sink failure must never reach a request
            pass
        # Isolate the record(s) that failed so one bad record does not lose the batch.
        for record in masked:
            try:
                self._sink.write([record])
            except Exception as exc:
                self.errors += 1
                if self._on_error is not None:
                    self._on_error()
                log.error(
                    "decision log record not written",
                    extra={"decision_id": record.get("decision_id"), "error_type": type(exc).__name__},
                )
