"""The bus contract, run against each real broker: NATS JetStream and Kafka (no mocks)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from sentinel.runtime.events.bus import MessageRejected, OutgoingMessage, PublishError
from sentinel.runtime.events.nats_jetstream import NatsJetStreamBus
from testsupport import brokers

from .conftest import make_event
from .harness import Broker, collect


def _aggregate() -> str:
    return f"agg-{uuid.uuid4().hex[:10]}"  # keeps this test's events apart on a shared broker


def test_a_published_message_is_delivered_with_its_id_and_bytes(broker: Broker) -> None:
    async def scenario() -> None:
        bus = await broker.bus()
        event = make_event(1, aggregate=_aggregate())
        await bus.publish("identity.audit", event.event_id, event.to_json())
        source = await broker.source(bus)
        [delivery] = await collect(source, [event.event_id], timeout=20)
        assert (delivery.subject, delivery.payload) == ("identity.audit", event.to_json())
        await source.close()
        await bus.close()

    asyncio.run(scenario())


def test_a_batch_of_one_aggregate_arrives_in_order(broker: Broker) -> None:
    async def scenario() -> None:
        bus = await broker.bus()
        aggregate = _aggregate()
        events = [make_event(i, aggregate=aggregate) for i in range(200)]
        results = await bus.publish_many(
            [OutgoingMessage("conversation.events", e.event_id, e.to_json(), aggregate) for e in events]
        )
        assert results == [None] * 200
        source = await broker.source(bus)
        got = await collect(source, [e.event_id for e in events], timeout=20)
        assert [d.message_id for d in got] == [e.event_id for e in events]
        await source.close()
        await bus.close()

    asyncio.run(scenario())


def test_a_message_over_the_broker_limit_is_rejected_and_the_next_one_goes_through(broker: Broker) -> None:
    async def scenario() -> None:
        bus = await broker.bus()
        aggregate = _aggregate()
        big = make_event(1, aggregate=aggregate, payload={"blob": "x" * (broker.limit + 1000)})
        small = make_event(2, aggregate=aggregate)
        results = await bus.publish_many([
            OutgoingMessage("training.audit", big.event_id, big.to_json(), aggregate),
            OutgoingMessage("training.audit", small.event_id, small.to_json(), aggregate),
        ])
        assert isinstance(results[0], MessageRejected)
        assert results[1] is None
        await bus.close()

    asyncio.run(scenario())


def test_a_subject_outside_the_audit_subjects_is_rejected(broker: Broker) -> None:
    async def scenario() -> None:
        bus = await broker.bus()
        event = make_event(1, aggregate=_aggregate())
        with pytest.raises(MessageRejected, match=r"payments\.events"):
            await bus.publish("payments.events", event.event_id, event.to_json())
        await bus.close()

    asyncio.run(scenario())


def test_an_unacked_delivery_is_delivered_again(broker: Broker) -> None:
    async def scenario() -> None:
        bus = await broker.bus()
        event = make_event(1, aggregate=_aggregate())
        await bus.publish("constitution.updated", event.event_id, event.to_json())
        group = f"redeliver-{uuid.uuid4().hex[:8]}"
        first = await broker.source(bus, group, ack_wait=1.0)
        assert len(await collect(first, [event.event_id], timeout=20, ack=False)) == 1
        await first.close()
        again = await broker.source(bus, group, ack_wait=1.0)
        [delivery] = await collect(again, [event.event_id], timeout=20)
        assert delivery.payload == event.to_json()
        await again.close()
        await bus.close()

    asyncio.run(scenario())


def test_publishing_to_a_dead_nats_raises_publish_error(nats_server: brokers.Nats) -> None:
    """(Kafka: the shared node is killed and restarted in test_crash.py, which covers this path.)"""
    broker = Broker("nats", nats_server)

    async def scenario() -> None:
        bus = await broker.bus()
        broker.kill()
        event = make_event(1)
        with pytest.raises(PublishError):
            await asyncio.wait_for(bus.publish("identity.audit", event.event_id, event.to_json()), 10)
        await bus.close()

    asyncio.run(scenario())


def test_nats_drops_a_resent_message_id(nats_server: brokers.Nats) -> None:
    broker = Broker("nats", nats_server)

    async def scenario() -> None:
        bus = await broker.bus()
        assert isinstance(bus, NatsJetStreamBus)
        event = make_event(1)
        for _ in range(3):
            await bus.publish("identity.audit", event.event_id, event.to_json())
        source = await broker.source(bus)
        got = await collect(source, [event.event_id], timeout=5)
        assert len(got) == 1
        assert await source.fetch(10, 1.0) == []
        await bus.close()

    asyncio.run(scenario())
