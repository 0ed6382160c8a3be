"""Consumer-side de-duplication: each message id takes effect once per typed dedupe scope.

Delivery is at least once (a relay crash or a lost ack resends), so a handler makes its effect idempotent
by claiming the id in the *same* SQLite transaction as its own state change::

    with conn:
        if claim(conn, scope, envelope.event_id):
            apply(conn, envelope)

Both commit or neither does; a redelivered message finds its id claimed and changes nothing.

A scope says *whose* view is de-duplicated: ``consumer`` names the handler (two handlers of one event
each apply it once) and ``kind`` says how far the scope reaches: ``global`` (the whole consumer),
``tenant`` (one tenant's stream, key = tenant id) or ``aggregate`` (one entity, key = aggregate id).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Literal

TABLE = "sentinel_dedupe"
_NAME = re.compile(r"[a-z][a-z0-9_.-]{0,99}")
_KEY = re.compile(r"[A-Za-z0-9._:/@+=-]{1,200}")

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    scope TEXT NOT NULL,
    message_id TEXT NOT NULL,
    claimed_at REAL NOT NULL DEFAULT ((julianday('now') - 2440587.5) * 86400.0),
    PRIMARY KEY (scope, message_id)
) WITHOUT ROWID;
"""

ScopeKind = Literal["global", "tenant", "aggregate"]


@dataclass(frozen=True)
class DedupeScope:
    consumer: str
    kind: ScopeKind = "global"
    key: str = ""

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.consumer):
            raise ValueError("dedupe scope consumer must be a lowercase name ([a-z][a-z0-9_.-]*)")
        if self.kind == "global":
            if self.key:
                raise ValueError("a global dedupe scope takes no key")
        elif self.kind in ("tenant", "aggregate"):
            if not _KEY.fullmatch(self.key):
                raise ValueError(f"a {self.kind} dedupe scope needs its {self.kind} id as key")
        else:
            raise ValueError("dedupe scope kind must be global, tenant or aggregate")

    def name(self) -> str:
        """The stored scope: ``consumer|kind|key`` (``|`` cannot occur in any part)."""
        return f"{self.consumer}|{self.kind}|{self.key}"


def install(conn: sqlite3.Connection) -> None:
    with conn:
        conn.executescript(_SCHEMA)


def claim(conn: sqlite3.Connection, scope: DedupeScope, message_id: str) -> bool:
    """Record ``message_id`` as handled in ``scope`` within the caller's transaction.

    True the first time (apply the message), False for a duplicate (skip it). The caller commits.
    """
    if not message_id or len(message_id) > 200:
        raise ValueError("message id must be 1 to 200 characters")
    cursor = conn.execute(
        f"INSERT INTO {TABLE} (scope, message_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (scope.name(), message_id),
    )
    return cursor.rowcount == 1


def prune(conn: sqlite3.Connection, older_than: float) -> int:
    """Forget claims older than ``older_than`` (epoch seconds): only safe past the broker's redelivery
    horizon (stream retention), since an older duplicate would then apply again."""
    with conn:
        cursor = conn.execute(f"DELETE FROM {TABLE} WHERE claimed_at < ?", (older_than,))
    return cursor.rowcount
