"""The transactional outbox in SQLite: a record is written in the same transaction as the state change.

The service calls :func:`enqueue` with *its own* connection, inside the transaction that changes its state;
both commit or neither does. The relay (``relay.py``) reads pending records through :class:`OutboxStore`
(its own connection) and marks them sent only after the broker acknowledged them.

Record states: ``pending`` → ``sent``, or ``parked`` (dead-lettered with a reason: the broker refused the
message for good, or it failed ``max_attempts`` times). Parked records stay in the table for an operator.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sentinel.runtime.events.envelopes import EventEnvelope

TABLE = "sentinel_outbox"
MAX_ERROR_CHARS = 500

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL,
    aggregate TEXT NOT NULL,
    payload BLOB NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'parked')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS {TABLE}_pending ON {TABLE} (status, seq);
CREATE INDEX IF NOT EXISTS {TABLE}_waiting ON {TABLE} (aggregate, seq)
    WHERE status = 'pending' AND next_attempt_at > 0;
"""

# Due pending records, oldest first, leaving out any record behind an earlier pending record of the same
# aggregate that is still waiting for its retry: that keeps the order per aggregate. Only records that
# failed once have next_attempt_at > 0, so the partial index ``_waiting`` keeps that check cheap.
_DUE = f"""
SELECT seq, message_id, subject, aggregate, payload, attempts FROM {TABLE} AS o
WHERE o.status = 'pending' AND o.next_attempt_at <= :now
  AND NOT EXISTS (
    SELECT 1 FROM {TABLE} AS p
    WHERE p.status = 'pending' AND p.next_attempt_at > 0
      AND p.aggregate = o.aggregate AND p.seq < o.seq AND p.next_attempt_at > :now
  )
ORDER BY o.seq LIMIT :limit
"""


class OutboxError(Exception):
    """The outbox was used outside a transaction or its database is unusable."""


@dataclass(frozen=True)
class OutboxRecord:
    seq: int
    message_id: str
    subject: str
    aggregate: str
    payload: bytes
    attempts: int


def connect(path: Path | str, *, timeout: float = 10.0) -> sqlite3.Connection:
    """A connection to the outbox database: WAL, ``synchronous=FULL`` (a commit survives power loss),
    a busy timeout, and the outbox table created if missing. Services may use it for their own tables."""
    conn = sqlite3.connect(str(path), timeout=timeout)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    install(conn)
    return conn


def install(conn: sqlite3.Connection) -> None:
    """Create the outbox table and indexes (idempotent)."""
    with conn:
        conn.executescript(_SCHEMA)


def enqueue(
    conn: sqlite3.Connection, subject: str, envelope: EventEnvelope, *, aggregate: str | None = None
) -> bool:
    """Add ``envelope`` to the outbox in the caller's open transaction; the caller commits.

    The aggregate (ordering key) is ``aggregate``, else the envelope's ``aggregate_id``, else its
    ``source_ref``. Returns False when a record with the same event id is already there (an envelope's id
    is its content, so enqueueing it twice is one record).
    """
    if conn.isolation_level is None and not conn.in_transaction:
        raise OutboxError("enqueue must run inside the caller's transaction (BEGIN first), not in autocommit")
    key = aggregate or envelope.aggregate_id or envelope.source_ref
    cursor = conn.execute(
        f"INSERT INTO {TABLE} (message_id, subject, aggregate, payload) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (message_id) DO NOTHING",
        (envelope.event_id, subject, key, envelope.to_json()),
    )
    return cursor.rowcount == 1


class OutboxStore:
    """The relay's view of the outbox, on its own connection; every method is one short transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    @classmethod
    def open(cls, path: Path | str) -> OutboxStore:
        """The relay's connection. Its commits (sent marks, retries) use ``synchronous=NORMAL``: in WAL
        mode they survive a process crash, and one lost to a power cut only means a resend, which
        delivery already allows (at least once). The service's ``enqueue`` commits stay ``FULL``."""
        conn = connect(path)
        conn.execute("PRAGMA synchronous=NORMAL")
        return cls(conn)

    def close(self) -> None:
        self._conn.close()

    def due(self, now: float, limit: int) -> list[OutboxRecord]:
        rows = self._conn.execute(_DUE, {"now": now, "limit": limit}).fetchall()
        self._conn.commit()
        return [OutboxRecord(*row) for row in rows]

    def mark_sent(self, seqs: list[int]) -> None:
        with self._conn:
            for start in range(0, len(seqs), 500):
                chunk = seqs[start:start + 500]
                marks = ",".join("?" * len(chunk))
                self._conn.execute(
                    f"UPDATE {TABLE} SET status = 'sent', last_error = NULL "
                    f"WHERE status = 'pending' AND seq IN ({marks})",
                    chunk,
                )

    def retry_later(self, seq: int, error: str, next_attempt_at: float) -> int:
        """Count a failed attempt and schedule the next; returns the number of attempts so far."""
        with self._conn:
            self._conn.execute(
                f"UPDATE {TABLE} SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? "
                "WHERE seq = ? AND status = 'pending'",
                (next_attempt_at, error[:MAX_ERROR_CHARS], seq),
            )
            row = self._conn.execute(f"SELECT attempts FROM {TABLE} WHERE seq = ?", (seq,)).fetchone()
        return int(row[0]) if row else 0

    def park(self, seq: int, reason: str) -> None:
        with self._conn:
            self._conn.execute(
                f"UPDATE {TABLE} SET status = 'parked', attempts = attempts + 1, last_error = ? "
                "WHERE seq = ? AND status = 'pending'",
                (reason[:MAX_ERROR_CHARS], seq),
            )

    def requeue(self, seq: int) -> None:
        """Put a parked record back (an operator fixed the cause)."""
        with self._conn:
            self._conn.execute(
                f"UPDATE {TABLE} SET status = 'pending', attempts = 0, next_attempt_at = 0 "
                "WHERE seq = ? AND status = 'parked'",
                (seq,),
            )

    def counts(self) -> dict[str, int]:
        rows = self._conn.execute(f"SELECT status, COUNT(*) FROM {TABLE} GROUP BY status").fetchall()
        self._conn.commit()
        result = {"pending": 0, "sent": 0, "parked": 0}
        result.update({str(status): int(count) for status, count in rows})
        return result

    def parked(self) -> list[tuple[int, str, str]]:
        """``(seq, message_id, reason)`` of every parked record."""
        rows = self._conn.execute(
            f"SELECT seq, message_id, last_error FROM {TABLE} WHERE status = 'parked' ORDER BY seq"
        ).fetchall()
        self._conn.commit()
        return [(int(seq), str(mid), str(reason or "")) for seq, mid, reason in rows]
