"""NATS JetStream adapter (``nats-py``): one stream holding the four audit subjects.

Publishing sets ``Nats-Msg-Id`` to the envelope id, so the server drops a copy resent within the stream's
duplicate window (a relay that crashed after the ack, before marking the record sent). ``publish_many``
pipelines a batch on one connection (the server stores messages of one connection in the order sent) and
waits for every ack. Consumers pull with explicit ack; an unacked message is redelivered after ``ack_wait``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from sentinel.runtime.events.bus import MessageRejected, OutgoingMessage, PublishError
from sentinel.runtime.events.delivery import Delivery

if TYPE_CHECKING:
    from nats.aio.client import Client
    from nats.js.client import JetStreamContext

log = logging.getLogger(__name__)

AUDIT_SUBJECTS = ("identity.audit", "constitution.updated", "conversation.events", "training.audit")
DEFAULT_STREAM = "SENTINEL_AUDIT"
MSG_ID_HEADER = "Nats-Msg-Id"
# Headers travel inside the server's max_payload too; refuse locally before the client library does.
_HEADER_ALLOWANCE = 512
# publish_many never has more unacked messages than this, so the client's pending-ack semaphore never stalls.
MAX_BATCH = 4096


async def _log_error(error: Exception) -> None:
    # The client reports every failed reconnect attempt here; one line each, no traceback.
    log.debug("nats client error", extra={"error": type(error).__name__})


async def _log_disconnected() -> None:
    log.info("nats connection lost; reconnecting")


async def _log_reconnected() -> None:
    log.info("nats connection re-established")


def _ack_result(future: asyncio.Future[Any]) -> PublishError | None:
    import nats.errors
    from nats.js.errors import APIError

    if not future.done():
        future.cancel()
        return PublishError("no JetStream ack within the timeout")
    error = future.exception()
    if error is None:
        return None
    if isinstance(error, APIError):
        if error.code == 413 or error.err_code == 10054:  # message size exceeds maximum allowed
            return MessageRejected(f"JetStream refused the message: {error.description}")
        return PublishError(f"JetStream error: {error.description}")
    if isinstance(error, nats.errors.Error):
        return PublishError(f"NATS error: {error}")
    return PublishError(f"NATS publish failed: {type(error).__name__}")


class NatsJetStreamBus:
    """The :class:`~sentinel.runtime.events.bus.BatchEventBus` on NATS JetStream."""

    def __init__(self, nc: Client, *, stream: str, subjects: Sequence[str], ack_timeout: float) -> None:
        self._nc = nc
        self._ack_timeout = ack_timeout
        self._js: JetStreamContext = self._context()
        self._stream = stream
        self._subjects = frozenset(subjects)

    def _context(self) -> JetStreamContext:
        return self._nc.jetstream(timeout=self._ack_timeout, publish_async_max_pending=MAX_BATCH)

    @classmethod
    async def connect(
        cls,
        servers: str | list[str],
        *,
        stream: str = DEFAULT_STREAM,
        subjects: Sequence[str] = AUDIT_SUBJECTS,
        ack_timeout: float = 5.0,
        duplicate_window: float = 120.0,
        connect_timeout: float = 5.0,
    ) -> NatsJetStreamBus:
        """Connect (reconnecting forever after a drop), and create the stream if it does not exist."""
        import nats
        from nats.js.api import StorageType, StreamConfig
        from nats.js.errors import NotFoundError

        try:
            nc = await nats.connect(
                servers,
                connect_timeout=connect_timeout,
                reconnect_time_wait=0.2,
                max_reconnect_attempts=-1,
                allow_reconnect=True,
                error_cb=_log_error,
                disconnected_cb=_log_disconnected,
                reconnected_cb=_log_reconnected,
            )
        except (OSError, nats.errors.Error, TimeoutError) as exc:
            raise PublishError(f"cannot connect to NATS: {type(exc).__name__}") from None
        bus = cls(nc, stream=stream, subjects=subjects, ack_timeout=ack_timeout)
        try:
            try:
                await bus._js.stream_info(stream)
            except NotFoundError:
                await bus._js.add_stream(
                    StreamConfig(
                        name=stream,
                        subjects=list(subjects),
                        storage=StorageType.FILE,
                        duplicate_window=duplicate_window,
                    )
                )
        except (nats.errors.Error, TimeoutError) as exc:
            await nc.close()
            raise PublishError(f"cannot set up JetStream stream {stream}: {exc}") from None
        return bus

    @property
    def max_payload(self) -> int:
        return int(self._nc.max_payload)

    def _check(self, message: OutgoingMessage) -> None:
        if message.subject not in self._subjects:
            raise MessageRejected(f"subject {message.subject!r} is not in stream {self._stream}")
        if len(message.payload) + _HEADER_ALLOWANCE > self.max_payload:
            raise MessageRejected(
                f"message of {len(message.payload)} bytes exceeds the server's max_payload {self.max_payload}"
            )

    async def publish(self, subject: str, message_id: str, payload: bytes) -> None:
        [error] = await self.publish_many([OutgoingMessage(subject, message_id, payload)])
        if error is not None:
            raise error

    async def publish_many(self, messages: Sequence[OutgoingMessage]) -> list[PublishError | None]:
        import nats.errors

        if len(messages) > MAX_BATCH:
            head = await self.publish_many(messages[:MAX_BATCH])
            return head + await self.publish_many(messages[MAX_BATCH:])

        results: list[PublishError | None] = [None] * len(messages)
        pending: list[tuple[int, asyncio.Future[Any]]] = []
        broken = False
        for index, message in enumerate(messages):
            try:
                self._check(message)
            except MessageRejected as exc:
                results[index] = exc
                continue
            if broken or not self._nc.is_connected:
                results[index] = PublishError("not connected to NATS")
                continue
            try:
                future = await self._js.publish_async(
                    message.subject,
                    message.payload,
                    headers={MSG_ID_HEADER: message.message_id},
                )
            except (nats.errors.Error, TimeoutError) as exc:
                # The library leaves the failed publish registered; start a fresh context so its
                # pending-ack accounting cannot fill up and stall later publishes.
                self._js = self._context()
                results[index] = PublishError(f"NATS publish failed: {exc}")
                broken = True
                continue
            pending.append((index, future))
        if pending:
            await asyncio.wait([future for _, future in pending], timeout=self._ack_timeout)
        for index, future in pending:
            results[index] = _ack_result(future)
        return results

    async def source(
        self, durable: str, *, ack_wait: float = 30.0, subject: str | None = None
    ) -> NatsJetStreamSource:
        """A durable pull consumer on the stream (or one subject of it) with explicit acks."""
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

        config = ConsumerConfig(
            durable_name=durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=ack_wait,
            max_ack_pending=20000,
            filter_subject=subject,
        )
        await self._js.add_consumer(self._stream, config=config)
        sub = await self._js.pull_subscribe_bind(durable=durable, stream=self._stream)
        return NatsJetStreamSource(sub)

    async def close(self) -> None:
        if not self._nc.is_closed:
            await self._nc.close()


def _acker(msg: Any) -> Callable[[], Awaitable[None]]:
    async def ack() -> None:
        import nats.errors

        try:
            await msg.ack()
        except nats.errors.MsgAlreadyAckdError:
            return

    return ack


class NatsJetStreamSource:
    """Pull deliveries from a durable JetStream consumer; ``Delivery.ack`` acks that message."""

    def __init__(self, sub: Any) -> None:
        self._sub = sub

    async def fetch(self, max_messages: int, timeout: float) -> list[Delivery]:
        import nats.errors

        try:
            messages = await self._sub.fetch(max_messages, timeout=timeout)
        except (TimeoutError, nats.errors.Error):
            return []
        deliveries = []
        for msg in messages:
            headers = msg.headers or {}
            deliveries.append(
                Delivery(
                    subject=msg.subject,
                    message_id=str(headers.get(MSG_ID_HEADER, "")),
                    payload=bytes(msg.data),
                    ack=_acker(msg),
                    redelivered=msg.metadata.num_delivered > 1,
                )
            )
        return deliveries

    async def close(self) -> None:
        import nats.errors

        try:
            await self._sub.unsubscribe()
        except nats.errors.Error:
            return
