"""The audit stream: events go to the governance API through the on-disk buffer.

:meth:`AuditStreamClient.emit` stores the event first, then sends what is buffered, oldest first, in
batches. While the API is unreachable the events wait on disk; the next attempt comes after a backoff
(1, 2, 4 ... 60 s) or at once when :meth:`reconnected` is called (the control channel calls it on
CONNECTED). The server deduplicates by ``event_id``, so a batch resent after a lost answer is harmless.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sentinel.runtime.cloud.backoff import Backoff
from sentinel.runtime.cloud.buffer import AuditBuffer
from sentinel.runtime.cloud.clients.base import BaseClient
from sentinel.runtime.cloud.clients.errors import APIError, AuthenticationError, ServerUnreachable

log = logging.getLogger(__name__)

DEFAULT_BATCH = 200
PATH = "/v1/audit/events"


class AuditStreamClient:
    def __init__(
        self,
        api: BaseClient,
        buffer: AuditBuffer,
        *,
        batch_size: int = DEFAULT_BATCH,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._api = api
        self.buffer = buffer
        self._batch = max(1, batch_size)
        self._clock = clock
        self._failures = 0
        self._next_attempt = 0.0
        self._flushing = threading.Lock()
        self.online = True

    def emit(self, event: Mapping[str, Any]) -> str:
        """Buffer ``event`` and send what is due; raises ``BackPressure`` when the buffer is at its cap."""
        identifier = self.buffer.put(event)
        if self._clock() >= self._next_attempt:
            self.flush()
        return identifier

    def emit_many(self, events: Sequence[Mapping[str, Any]]) -> list[str]:
        """As :meth:`emit` for several events stored in one transaction (one disk sync for all)."""
        identifiers = self.buffer.put_many(events)
        if self._clock() >= self._next_attempt:
            self.flush()
        return identifiers

    def reconnected(self) -> int:
        """The server is back: send everything buffered now."""
        self._next_attempt = 0.0
        return self.flush()

    def flush(self) -> int:
        """Send buffered events until the buffer is empty or the server fails; returns how many it took.

        Safe to call from a worker thread while other threads emit; a flush already running elsewhere
        makes this one return 0 at once.
        """
        if not self._flushing.acquire(blocking=False):
            return 0
        try:
            return self._flush()
        finally:
            self._flushing.release()

    def _flush(self) -> int:
        sent = 0
        batch_size = self._batch
        while True:
            batch = self.buffer.oldest(batch_size)
            if not batch:
                self._online()
                return sent
            try:
                answer = self._api.request("POST", PATH, json_body={"events": [body for _, _, body in batch]})
            except AuthenticationError:
                self._offline("authentication refused")
                raise
            except ServerUnreachable as exc:
                self._offline(exc.detail)
                return sent
            except APIError as exc:
                assert exc.status_code is not None
                if exc.status_code >= 500:
                    self._offline(exc.detail)
                    return sent
                if len(batch) > 1:
                    batch_size = 1  # find the one event the server refuses
                    continue
                self.buffer.dead_letter(batch[0][0], exc.status_code, exc.detail)
                continue
            rejected = self._rejected(answer)
            for seq, identifier, _ in batch:
                if identifier in rejected:
                    self.buffer.dead_letter(seq, 200, rejected[identifier])
            self.buffer.delivered([seq for seq, identifier, _ in batch if identifier not in rejected])
            sent += len(batch) - len(rejected)
            self._online()

    @staticmethod
    def _rejected(answer: Any) -> dict[str, str]:
        if not isinstance(answer, dict) or not isinstance(answer.get("rejected", []), list):
            return {}
        found: dict[str, str] = {}
        for item in answer.get("rejected", []):
            if isinstance(item, dict) and isinstance(item.get("event_id"), str):
                found[item["event_id"]] = str(item.get("reason", "rejected"))[:300]
        return found

    def _online(self) -> None:
        if not self.online:
            log.info("audit stream back online", extra={"depth": self.buffer.depth})
        self.online = True
        self._failures = 0
        self._next_attempt = 0.0

    def _offline(self, reason: str) -> None:
        wait = Backoff.base_delay(self._failures)
        self._failures += 1
        self._next_attempt = self._clock() + wait
        if self.online:
            log.warning("audit stream offline; buffering to disk", extra={"reason": reason[:200]})
        self.online = False

    def status_line(self) -> str:
        state = "online" if self.online else "offline (buffering)"
        return f"{state}, {self.buffer.status_line()}"
