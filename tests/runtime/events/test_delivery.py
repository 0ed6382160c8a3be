"""Consuming from a real NATS JetStream: a poison message is dropped with a reason, never looped."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sentinel.runtime.events import dedupe
from sentinel.runtime.events.dedupe import DedupeScope
from sentinel.runtime.events.delivery import Delivery, HandleResult, handle_batch
from sentinel.runtime.events.envelopes import parse_event
from sentinel.runtime.events.nats_jetstream import NatsJetStreamBus
from testsupport import brokers

from .conftest import make_event


def _apply(conn: sqlite3.Connection, delivery: Delivery) -> None:
    event = parse_event(delivery.payload)
    conn.execute("INSERT INTO seen VALUES (?)", (event.event_id,))


def _consumer_db(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    dedupe.install(conn)
    with conn:
        conn.execute("CREATE TABLE seen (event_id TEXT)")
    return conn


def _run(
    nats_server: brokers.Nats, conn: sqlite3.Connection, messages: list[tuple[str, bytes]]
) -> HandleResult:
    async def scenario() -> HandleResult:
        bus = await NatsJetStreamBus.connect(nats_server.url, ack_timeout=2.0)
        for message_id, payload in messages:
            await bus.publish("identity.audit", message_id, payload)
        source = await bus.source("projector", ack_wait=1.0)
        deliveries = await source.fetch(100, 2.0)
        result = await handle_batch(deliveries, conn, lambda d: DedupeScope("projector"), _apply)
        await asyncio.sleep(1.5)  # past ack_wait: anything unacked would come back now
        assert await source.fetch(100, 1.0) == []
        await bus.close()
        return result

    return asyncio.run(scenario())


def test_a_poison_message_is_rejected_and_not_redelivered(nats_server: brokers.Nats, tmp_path: Path) -> None:
    conn = _consumer_db(tmp_path / "c.db")
    good = make_event(1)
    result = _run(nats_server, conn, [("poison-1", b"{not an envelope"), (good.event_id, good.to_json())])
    assert (result.applied, result.rejected) == (1, 1)
    assert conn.execute("SELECT event_id FROM seen").fetchall() == [(good.event_id,)]
