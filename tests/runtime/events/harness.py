"""One face for both real brokers in the contract and crash tests: connect a bus, open a consumer,
collect deliveries, kill and restart the broker."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sentinel.runtime.events.delivery import Delivery, EventSource
from sentinel.runtime.events.kafka import KafkaBus
from sentinel.runtime.events.nats_jetstream import NatsJetStreamBus
from testsupport import brokers


@dataclass
class Broker:
    kind: str
    node: brokers.Nats | brokers.Kafka

    @property
    def url(self) -> str:
        return self.node.url if isinstance(self.node, brokers.Nats) else self.node.bootstrap

    @property
    def limit(self) -> int:
        """The broker's own message size limit (NATS max_payload, Kafka message.max.bytes)."""
        if isinstance(self.node, brokers.Nats):
            return self.node.max_payload
        return self.node.message_max_bytes

    async def bus(self) -> NatsJetStreamBus | KafkaBus:
        if self.kind == "nats":
            return await NatsJetStreamBus.connect(self.url, ack_timeout=2.0)
        return await KafkaBus.connect(self.url, create_topics=True, delivery_timeout=15.0)

    async def source(
        self, bus: NatsJetStreamBus | KafkaBus, name: str | None = None, *, ack_wait: float = 30.0
    ) -> EventSource:
        group = name or f"test-{uuid.uuid4().hex[:12]}"  # a consumer name, not an envelope id
        if isinstance(bus, NatsJetStreamBus):
            return await bus.source(group, ack_wait=ack_wait)
        return bus.source(group)

    def kill(self) -> None:
        self.node.kill()

    def restart(self) -> None:
        self.node.start()


async def collect(
    source: EventSource, wanted: Iterable[str], *, timeout: float, ack: bool = True
) -> list[Delivery]:
    """Deliveries of the ``wanted`` ids (others from earlier tests on a shared broker are acked and
    dropped) until each wanted id came at least once or ``timeout`` passed."""
    wanted_ids = set(wanted)
    seen: set[str] = set()
    got: list[Delivery] = []
    deadline = time.monotonic() + timeout
    while seen != wanted_ids and time.monotonic() < deadline:
        for delivery in await source.fetch(500, 1.0):
            if delivery.message_id in wanted_ids:
                got.append(delivery)
                seen.add(delivery.message_id)
                if ack:
                    await delivery.ack()
            else:
                await delivery.ack()
    return got
