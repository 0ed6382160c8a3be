"""Kafka adapter (``confluent-kafka``): idempotent producer, ``acks=all``, one topic per audit subject.

confluent-kafka rather than aiokafka: librdkafka's idempotent producer keeps the order of a partition
across its own retries (up to five requests in flight) and is several times faster than pure Python;
its blocking calls run in a worker thread so the event loop never blocks.

The message id travels in the ``message-id`` header and the aggregate is the key, so one aggregate's
records land in one partition, in order. Kafka has no broker-side de-duplication across producer
sessions: a relay that crashed after the ack resends, and consumers drop the copy by id (``dedupe.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sentinel.runtime.events.bus import MessageRejected, OutgoingMessage, PublishError
from sentinel.runtime.events.delivery import Delivery

AUDIT_TOPICS = ("identity.audit", "constitution.updated", "conversation.events", "training.audit")
MSG_ID_HEADER = "message-id"


def _error_for(err: Any) -> PublishError:
    from confluent_kafka import KafkaError

    permanent = {
        KafkaError.MSG_SIZE_TOO_LARGE,
        KafkaError.RECORD_LIST_TOO_LARGE,
        KafkaError.INVALID_RECORD,
        KafkaError.TOPIC_AUTHORIZATION_FAILED,
        KafkaError.TOPIC_EXCEPTION,
    }
    if err.code() in permanent:
        return MessageRejected(f"Kafka refused the message: {err.name()}")
    return PublishError(f"Kafka delivery failed: {err.name()}")


class KafkaBus:
    """The :class:`~sentinel.runtime.events.bus.BatchEventBus` on Kafka."""

    def __init__(self, config: dict[str, Any], *, topics: Sequence[str], delivery_timeout: float) -> None:
        from confluent_kafka import Producer

        self._config = config
        self._topics = frozenset(topics)
        self._delivery_timeout = delivery_timeout
        self._producer = Producer(config)

    @classmethod
    async def connect(
        cls,
        bootstrap_servers: str,
        *,
        topics: Sequence[str] = AUDIT_TOPICS,
        delivery_timeout: float = 10.0,
        create_topics: bool = False,
        partitions: int = 3,
        replication_factor: int = 1,
        batch_bytes: int = 131072,
    ) -> KafkaBus:
        """A producer on ``bootstrap_servers``; ``create_topics`` creates missing topics (tests, dev).

        The broker checks ``message.max.bytes`` against a whole record batch, so one batch must stay
        below it (``batch_bytes``; Kafka's default limit is about 1 MB): otherwise every message of the
        batch is refused, not just the large one.
        """
        config = {
            "bootstrap.servers": bootstrap_servers,
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 5,
            "batch.size": batch_bytes,
            "message.timeout.ms": int(delivery_timeout * 1000),
            "socket.connection.setup.timeout.ms": 5000,
            "reconnect.backoff.max.ms": 500,
            "logger": _QuietLogger(),
        }
        if create_topics:
            await asyncio.to_thread(_create_topics, bootstrap_servers, topics, partitions, replication_factor)
        return cls(config, topics=topics, delivery_timeout=delivery_timeout)

    async def publish(self, subject: str, message_id: str, payload: bytes, *, key: str | None = None) -> None:
        [error] = await self.publish_many([OutgoingMessage(subject, message_id, payload, key)])
        if error is not None:
            raise error

    async def publish_many(self, messages: Sequence[OutgoingMessage]) -> list[PublishError | None]:
        from confluent_kafka import KafkaException

        results: list[PublishError | None] = [PublishError("not delivered")] * len(messages)
        fatal: list[bool] = []

        def on_delivery(index: int) -> Any:
            def record(err: Any, _msg: Any) -> None:
                results[index] = None if err is None else _error_for(err)
                if err is not None and err.fatal():
                    fatal.append(True)

            return record

        producer = self._producer
        for index, message in enumerate(messages):
            if message.subject not in self._topics:
                results[index] = MessageRejected(f"topic {message.subject!r} is not an audit topic")
                continue
            while True:
                try:
                    producer.produce(
                        message.subject,
                        value=message.payload,
                        key=message.key.encode() if message.key else None,
                        headers=[(MSG_ID_HEADER, message.message_id.encode())],
                        on_delivery=on_delivery(index),
                    )
                except BufferError:
                    await asyncio.to_thread(producer.poll, 0.05)
                    continue
                except KafkaException as exc:
                    results[index] = _error_for(exc.args[0])
                break
        left = await asyncio.to_thread(producer.flush, self._delivery_timeout + 5.0)
        if left:
            # Still queued: they may be delivered later (a duplicate, dropped by id downstream).
            for index, result in enumerate(results):
                if isinstance(result, PublishError) and str(result) == "not delivered":
                    results[index] = PublishError("no Kafka ack within the delivery timeout")
        if fatal:
            # A fatal idempotence error poisons the producer; the next batch gets a new one.
            self._producer = _fresh_producer(self._config)
        return results

    def source(self, group: str, *, topics: Sequence[str] | None = None) -> KafkaSource:
        """A consumer in ``group`` from the earliest uncommitted offset; acks commit offsets."""
        from confluent_kafka import Consumer

        consumer = Consumer(
            {
                "bootstrap.servers": self._config["bootstrap.servers"],
                "group.id": group,
                "enable.auto.commit": True,
                "auto.commit.interval.ms": 200,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
                "logger": _QuietLogger(),
            }
        )
        consumer.subscribe(list(topics or self._topics))
        return KafkaSource(consumer)

    async def close(self) -> None:
        await asyncio.to_thread(self._producer.flush, self._delivery_timeout)


def _fresh_producer(config: dict[str, Any]) -> Any:
    from confluent_kafka import Producer

    return Producer(config)


def _create_topics(bootstrap: str, topics: Sequence[str], partitions: int, replication: int) -> None:
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import AdminClient, NewTopic

    config: dict[str, Any] = {"bootstrap.servers": bootstrap, "logger": _QuietLogger()}
    admin = AdminClient(config)
    futures = admin.create_topics([NewTopic(t, partitions, replication) for t in topics], request_timeout=15)
    for future in futures.values():
        try:
            future.result(timeout=20)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise PublishError(f"cannot create Kafka topics: {exc.args[0].name()}") from None


class _QuietLogger:
    """librdkafka's own log lines (connection refused while a broker restarts) go to ``logging``."""

    def log(self, level: int, msg: str, *args: object) -> None:
        import logging

        logging.getLogger("sentinel.runtime.events.kafka.librdkafka").debug(msg, *args)


class KafkaSource:
    """Deliveries from a consumer group; ``Delivery.ack`` stores the offset, committed every 200 ms and
    on close. Unacked messages come back to the group after a restart."""

    def __init__(self, consumer: Any) -> None:
        self._consumer = consumer

    async def fetch(self, max_messages: int, timeout: float) -> list[Delivery]:
        messages = await asyncio.to_thread(self._consumer.consume, max_messages, timeout)
        deliveries = []
        for msg in messages:
            if msg.error() is not None:
                continue
            headers = dict(msg.headers() or [])
            raw_id = headers.get(MSG_ID_HEADER, b"")
            deliveries.append(
                Delivery(
                    subject=str(msg.topic()),
                    message_id=raw_id.decode(errors="replace") if isinstance(raw_id, bytes) else "",
                    payload=bytes(msg.value() or b""),
                    ack=self._acker(msg),
                )
            )
        return deliveries

    def _acker(self, msg: Any) -> Any:
        async def ack() -> None:
            self._consumer.store_offsets(message=msg)

        return ack

    async def close(self) -> None:
        await asyncio.to_thread(self._consumer.close)
