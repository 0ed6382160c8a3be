"""The relay against a real NATS JetStream: order, marking sent only after the ack, parking, backoff."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from sentinel.runtime.events import outbox
from sentinel.runtime.events.envelopes import EventEnvelope
from sentinel.runtime.events.nats_jetstream import NatsJetStreamBus
from sentinel.runtime.events.outbox import OutboxStore
from sentinel.runtime.events.relay import Backoff, Relay
from testsupport import brokers

from .conftest import make_event
from .harness import Broker, collect


def _enqueue(db: Path, subject: str, events: list[EventEnvelope]) -> None:
    conn = outbox.connect(db)
    with conn:
        for event in events:
            outbox.enqueue(conn, subject, event)
    conn.close()


def test_the_relay_delivers_every_record_in_order_and_marks_it_sent(
    nats_server: brokers.Nats, tmp_path: Path
) -> None:
    events = [make_event(i, aggregate=f"a{i % 4}") for i in range(400)]
    _enqueue(tmp_path / "o.db", "identity.audit", events)

    async def scenario() -> list[str]:
        bus = await NatsJetStreamBus.connect(nats_server.url, ack_timeout=2.0)
        store = OutboxStore.open(tmp_path / "o.db")
        assert await Relay(store, bus, batch_size=64).drain(timeout=30)
        assert store.counts() == {"pending": 0, "sent": 400, "parked": 0}
        source = await Broker("nats", nats_server).source(bus)
        got = await collect(source, [e.event_id for e in events], timeout=10)
        await bus.close()
        return [d.message_id for d in got]

    assert asyncio.run(scenario()) == [e.event_id for e in events]


def test_a_record_too_large_for_the_broker_is_parked_and_the_rest_is_delivered(
    nats_server: brokers.Nats, tmp_path: Path
) -> None:
    big = make_event(1, payload={"aggregate": "a0", "n": 1, "blob": "x" * (nats_server.max_payload + 1)})
    _enqueue(tmp_path / "o.db", "identity.audit", [make_event(0), big, make_event(2)])

    async def scenario() -> OutboxStore:
        bus = await NatsJetStreamBus.connect(nats_server.url, ack_timeout=2.0)
        store = OutboxStore.open(tmp_path / "o.db")
        assert await Relay(store, bus).drain(timeout=10)
        await bus.close()
        return store

    store = asyncio.run(scenario())
    assert store.counts() == {"pending": 0, "sent": 2, "parked": 1}
    [(_, message_id, reason)] = store.parked()
    assert message_id == big.event_id
    assert "max_payload" in reason


def test_a_record_for_an_unknown_subject_is_parked(nats_server: brokers.Nats, tmp_path: Path) -> None:
    _enqueue(tmp_path / "o.db", "payments.events", [make_event(0)])

    async def scenario() -> OutboxStore:
        bus = await NatsJetStreamBus.connect(nats_server.url, ack_timeout=2.0)
        store = OutboxStore.open(tmp_path / "o.db")
        await Relay(store, bus).run_once()
        await bus.close()
        return store

    assert "not in stream" in asyncio.run(scenario()).parked()[0][2]


def test_nothing_is_marked_sent_while_the_broker_is_down(nats_server: brokers.Nats, tmp_path: Path) -> None:
    _enqueue(tmp_path / "o.db", "identity.audit", [make_event(i) for i in range(10)])

    async def scenario() -> OutboxStore:
        bus = await NatsJetStreamBus.connect(nats_server.url, ack_timeout=1.0)
        nats_server.kill()
        store = OutboxStore.open(tmp_path / "o.db")
        relay = Relay(store, bus, backoff=Backoff(base=0.01, cap=0.05))
        for _ in range(3):
            await relay.run_once()
            await asyncio.sleep(0.06)
        await bus.close()
        return store

    store = asyncio.run(scenario())
    assert store.counts() == {"pending": 10, "sent": 0, "parked": 0}


def test_after_max_attempts_a_failing_record_is_parked(nats_server: brokers.Nats, tmp_path: Path) -> None:
    _enqueue(tmp_path / "o.db", "identity.audit", [make_event(0)])

    async def scenario() -> OutboxStore:
        bus = await NatsJetStreamBus.connect(nats_server.url, ack_timeout=0.5)
        nats_server.kill()
        store = OutboxStore.open(tmp_path / "o.db")
        relay = Relay(store, bus, backoff=Backoff(base=0.001, cap=0.002), max_attempts=3)
        for _ in range(5):
            await relay.run_once()
            await asyncio.sleep(0.01)
        await bus.close()
        return store

    store = asyncio.run(scenario())
    assert store.counts()["parked"] == 1
    assert "gave up after 3 attempts" in store.parked()[0][2]


def test_backoff_is_jittered_below_a_growing_capped_ceiling() -> None:
    backoff = Backoff(base=0.1, cap=2.0)
    rng = random.Random(7)
    for attempt, ceiling in [(0, 0.1), (1, 0.2), (3, 0.8), (5, 2.0), (60, 2.0), (10**6, 2.0)]:
        delays = [backoff.delay(attempt, rng) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8 and len(set(delays)) > 100
