"""The consuming side of the bus: deliveries with explicit ack, and an idempotent handler loop.

A :class:`Delivery` is acked only after its effect committed; an unacked delivery comes back (NATS after
``ack_wait``, Kafka after a restart from the last committed offset). :func:`handle_batch` applies each
delivery once per dedupe scope, in the same SQLite transaction as the claim (``dedupe.py``), then acks.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sentinel.runtime.events.dedupe import DedupeScope, claim
from sentinel.runtime.events.envelopes import EnvelopeError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    subject: str
    message_id: str
    payload: bytes
    ack: Callable[[], Awaitable[None]]
    redelivered: bool = False


class EventSource(Protocol):
    async def fetch(self, max_messages: int, timeout: float) -> list[Delivery]:
        """Up to ``max_messages`` deliveries, waiting at most ``timeout`` seconds; [] when none came."""
        ...

    async def close(self) -> None: ...


@dataclass
class HandleResult:
    applied: int = 0
    duplicates: int = 0
    rejected: int = 0


async def handle_batch(
    deliveries: Sequence[Delivery],
    conn: sqlite3.Connection,
    scope_of: Callable[[Delivery], DedupeScope],
    apply: Callable[[sqlite3.Connection, Delivery], None],
) -> HandleResult:
    """Apply each delivery at most once per scope (claim + effect in one transaction), then ack it.

    A delivery without a message id, or whose envelope is invalid (``EnvelopeError`` or ``ValueError``
    from ``scope_of``/``apply``), is rejected: nothing is applied, it is acked (dropped, so a poison
    message cannot loop forever) and logged by id. Any other exception rolls back that delivery's claim
    and effect, leaves it unacked (it comes back) and propagates.
    """
    result = HandleResult()
    for delivery in deliveries:
        try:
            if not delivery.message_id or len(delivery.message_id) > 200:
                raise EnvelopeError("delivery has no usable message id")
            with conn:
                first = claim(conn, scope_of(delivery), delivery.message_id)
                if first:
                    apply(conn, delivery)
        except (EnvelopeError, ValueError) as exc:
            result.rejected += 1
            log.warning("delivery rejected", extra={"subject": delivery.subject,
                                                     "message_id": delivery.message_id[:200],
                                                     "reason": str(exc)[:300]})
            await delivery.ack()
            continue
        if first:
            result.applied += 1
        else:
            result.duplicates += 1
        await delivery.ack()
    return result
