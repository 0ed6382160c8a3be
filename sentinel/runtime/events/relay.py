"""The outbox relay: publish pending records in order per aggregate, mark them sent once the broker acked.

Each round takes up to ``batch_size`` due records (oldest first, none behind a waiting record of the
same aggregate), sends them pipelined through the bus and records every result in one transaction:

* acked → ``sent``;
* :class:`MessageRejected` (too large for the broker, subject outside the stream) → ``parked`` with the
  reason, so one bad record never wedges the relay;
* any other :class:`PublishError` → retried after a capped exponential backoff with full jitter; after
  ``max_attempts`` (if set) → ``parked``.

A crash between the broker's ack and ``mark_sent`` resends the record on restart: delivery is at least
once, and consumers de-duplicate by id (``dedupe.py``); NATS also drops the copy by ``Nats-Msg-Id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sentinel.runtime.events.bus import EventBus, MessageRejected, OutgoingMessage, PublishError
from sentinel.runtime.events.outbox import OutboxRecord, OutboxStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    """Full-jitter exponential backoff: a delay drawn from ``[0, min(cap, base * 2**attempt)]``."""

    base: float = 0.1
    cap: float = 30.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        ceiling = min(self.cap, self.base * (2 ** min(attempt, 62)))
        return rng.uniform(0.0, ceiling)


@dataclass
class RelayStats:
    sent: int = 0
    retried: int = 0
    parked: int = 0
    rounds: int = 0
    last_errors: list[str] = field(default_factory=list)


class Relay:
    def __init__(
        self,
        store: OutboxStore,
        bus: EventBus,
        *,
        batch_size: int = 500,
        backoff: Backoff | None = None,
        max_attempts: int | None = None,
        poll_interval: float = 0.05,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._store = store
        self._bus = bus
        self._batch_size = batch_size
        self._backoff = backoff or Backoff()
        self._max_attempts = max_attempts
        self._poll_interval = poll_interval
        self._clock = clock
        self._rng = rng or random.Random()
        self.stats = RelayStats()

    async def run_once(self) -> int:
        """One round; returns how many records were due (0: nothing to do right now)."""
        records = self._store.due(self._clock(), self._batch_size)
        if not records:
            return 0
        results = await self._publish(records)
        sent: list[int] = []
        for record, error in zip(records, results, strict=True):
            if error is None:
                sent.append(record.seq)
            elif isinstance(error, MessageRejected):
                self._park(record, f"rejected by the broker: {error}")
            else:
                self._retry(record, error)
        self._store.mark_sent(sent)
        self.stats.sent += len(sent)
        self.stats.rounds += 1
        return len(records)

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until ``stop`` is set; sleeps ``poll_interval`` when nothing is due."""
        while not stop.is_set():
            try:
                due = await self.run_once()
            except sqlite3.OperationalError as exc:  # locked or busy database: wait and try again
                log.warning("outbox unavailable", extra={"error": str(exc)[:200]})
                due = 0
            if due == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self._poll_interval)

    async def drain(self, timeout: float) -> bool:
        """Relay until no record is pending (True) or ``timeout`` seconds passed (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._store.counts()["pending"] == 0:
                return True
            if await self.run_once() == 0:
                await asyncio.sleep(self._poll_interval)
        return self._store.counts()["pending"] == 0

    async def _publish(self, records: list[OutboxRecord]) -> list[PublishError | None]:
        messages = [OutgoingMessage(r.subject, r.message_id, r.payload, r.aggregate) for r in records]
        publish_many = getattr(self._bus, "publish_many", None)
        if publish_many is not None:
            results: list[PublishError | None] = await publish_many(messages)
            return results
        results = []
        for message in messages:
            try:
                await self._bus.publish(message.subject, message.message_id, message.payload)
            except PublishError as exc:
                results.append(exc)
            else:
                results.append(None)
        return results

    def _park(self, record: OutboxRecord, reason: str) -> None:
        self._store.park(record.seq, reason)
        self.stats.parked += 1
        log.warning("outbox record parked", extra={"seq": record.seq, "subject": record.subject,
                                                   "reason": reason})

    def _retry(self, record: OutboxRecord, error: PublishError) -> None:
        reason = str(error) or type(error).__name__
        if self._max_attempts is not None and record.attempts + 1 >= self._max_attempts:
            self._park(record, f"gave up after {record.attempts + 1} attempts: {reason}")
            return
        wait = self._backoff.delay(record.attempts, self._rng)
        self._store.retry_later(record.seq, reason, self._clock() + wait)
        self.stats.retried += 1
        self.stats.last_errors = [*self.stats.last_errors[-9:], reason]
        log.info("outbox publish failed, retrying", extra={"seq": record.seq, "attempt": record.attempts + 1,
                                                          "delay_s": round(wait, 3)})
