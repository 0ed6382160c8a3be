"""The event bus port: what every broker adapter (NATS JetStream, Kafka, Redis Streams) implements.

``publish`` returns only after the broker acknowledged the message (durably stored), so an outbox relay
can mark a record sent. ``message_id`` is the envelope's deterministic id; adapters pass it to the
broker's own de-duplication where one exists (``Nats-Msg-Id``, Kafka's idempotent producer keys).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class PublishError(Exception):
    """The broker did not acknowledge the message; the caller keeps it and retries."""


class EventBus(Protocol):
    async def publish(self, subject: str, message_id: str, payload: bytes) -> None:
        """Publish one message on ``subject`` (a topic or stream subject); raise PublishError unless acked."""
        ...

    async def close(self) -> None: ...


class MessageRejected(PublishError):
    """The broker refused this message for good (larger than its limit, a subject outside the stream).

    Retrying cannot succeed, so the outbox relay parks the record with this reason instead of retrying.
    """


@dataclass(frozen=True)
class OutgoingMessage:
    """One message of a batch: ``key`` orders messages of one aggregate (Kafka partition key)."""

    subject: str
    message_id: str
    payload: bytes
    key: str | None = None


class BatchEventBus(EventBus, Protocol):
    async def publish_many(self, messages: Sequence[OutgoingMessage]) -> list[PublishError | None]:
        """Send ``messages`` in order, pipelined, and wait for every acknowledgement.

        Returns one entry per message: ``None`` when the broker acked it, else the error (never raises
        for one message's failure).
        """
        ...
