"""The audit buffer: events waiting for the governance API, kept in SQLite so nothing is lost.

Every event is written to disk before it is sent, so a crash or a long outage loses nothing. At the cap
the buffer refuses new events (:class:`BackPressure`) and logs an error once per crossing: the caller
slows down instead of the buffer silently dropping the oldest. An event the server refuses for good
(a 4xx other than 401/429) moves to ``dead_letters`` and counts as dropped from the stream; that
count persists, so "ever dropped" survives a restart.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sentinel.errors import SentinelError
from sentinel.runtime.trace.hashing import canonical_json, sha256_hex

log = logging.getLogger(__name__)

MAX_EVENT_BYTES = 64 * 1024

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dead_letters (
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    body TEXT NOT NULL,
    status INTEGER,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO counters (name, value) VALUES ('dropped', 0);
"""


class BackPressure(SentinelError):
    """The buffer is at its cap: the event was not stored; retry after the server has caught up."""


def event_id(event: Mapping[str, Any]) -> str:
    """The event's own ``event_id``, or SHA-256 of its RFC 8785 form (ids come from content, never random)."""
    given = event.get("event_id")
    if isinstance(given, str) and 0 < len(given) <= 128:
        return given
    return sha256_hex(canonical_json(dict(event)))


class AuditBuffer:
    def __init__(self, path: Path, cap: int, *, sync: str = "FULL") -> None:
        """``sync`` FULL survives a power loss; NORMAL (WAL) survives a crash of the agent and is faster."""
        if cap < 1:
            raise ValueError("cap must be at least 1")
        if sync not in ("FULL", "NORMAL"):
            raise ValueError("sync must be FULL or NORMAL")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.cap = cap
        # Producers (the request path) and the flusher (a worker thread) share the buffer: one
        # connection, used under one lock.
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), isolation_level=None, timeout=5.0, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={sync}")
        self._db.executescript(_SCHEMA)
        self._full_reported = False
        # One agent process owns its buffer file, so the depth is counted once and then kept.
        self._depth = int(self._db.execute("SELECT count(*) FROM events").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @property
    def depth(self) -> int:
        return self._depth

    @property
    def dropped(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT value FROM counters WHERE name = 'dropped'").fetchone()
        return int(row[0])

    def put(self, event: Mapping[str, Any]) -> str:
        """Store ``event`` (a JSON object) and return its id; the same id twice is stored once."""
        return self.put_many([event])[0]

    def put_many(self, events: Sequence[Mapping[str, Any]]) -> list[str]:
        """Store ``events`` in one transaction (one sync), all or none; their ids in order.

        Raises ``ValueError`` for an event over the size limit and :class:`BackPressure` when they do
        not all fit under the cap; nothing is stored then.
        """
        rows = []
        for event in events:
            body = canonical_json(dict(event))
            if len(body) > MAX_EVENT_BYTES:
                raise ValueError(f"audit event over {MAX_EVENT_BYTES} bytes")
            rows.append((event_id(event), body.decode()))
        with self._lock:
            depth = self._depth
            if depth + len(rows) > self.cap:
                if not self._full_reported:
                    log.error("audit buffer full; refusing events", extra={"depth": depth, "cap": self.cap})
                    self._full_reported = True
                raise BackPressure(
                    f"audit buffer full ({depth} of {self.cap} events); the governance API is behind"
                )
            self._full_reported = False
            with self._transaction() as db:
                insert = "INSERT OR IGNORE INTO events (event_id, body) VALUES (?, ?)"
                added = sum(db.execute(insert, row).rowcount for row in rows)
            self._depth += added
        return [identifier for identifier, _ in rows]

    def oldest(self, limit: int) -> list[tuple[int, str, dict[str, Any]]]:
        with self._lock:
            query = "SELECT seq, event_id, body FROM events ORDER BY seq LIMIT ?"
            rows = self._db.execute(query, (limit,)).fetchall()
        return [(seq, identifier, json.loads(body)) for seq, identifier, body in rows]

    def delivered(self, seqs: list[int]) -> None:
        """Forget events the server has taken, in one transaction (one sync for the whole batch)."""
        with self._lock:
            with self._transaction() as db:
                removed = sum(db.execute("DELETE FROM events WHERE seq = ?", (s,)).rowcount for s in seqs)
            self._depth -= removed

    def dead_letter(self, seq: int, status: int | None, reason: str) -> None:
        """Move one event out of the stream for good, keeping it on disk, and count it as dropped."""
        with self._lock:
            with self._transaction() as db:
                db.execute(
                    "INSERT OR REPLACE INTO dead_letters (seq, event_id, body, status, reason) "
                    "SELECT seq, event_id, body, ?, ? FROM events WHERE seq = ?",
                    (status, reason[:300], seq),
                )
                removed = db.execute("DELETE FROM events WHERE seq = ?", (seq,)).rowcount
                db.execute("UPDATE counters SET value = value + ? WHERE name = 'dropped'", (removed,))
            self._depth -= removed
        log.error("audit event dropped by the server", extra={"status": status, "reason": reason[:300]})

    def status_line(self) -> str:
        depth, dropped = self.depth, self.dropped
        full = " (FULL: back-pressure on)" if depth >= self.cap else ""
        return f"{depth} of {self.cap} events buffered{full}, {dropped} dropped ever ({self.path})"
