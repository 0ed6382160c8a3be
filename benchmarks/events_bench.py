"""Outbox → broker benchmark: relay throughput and end-to-end latency on real NATS JetStream and Kafka.

    .venv/bin/python benchmarks/events_bench.py [--rounds 5] [--events 20000] [--batch 1000]

Both brokers are real and local (``testsupport/brokers.py``; Kafka needs ``make kafka``). Each round
runs NATS then Kafka (interleaved, so machine noise hits both alike) on a fresh outbox. The peer rows
("raw") are the bare client libraries (nats-py ``publish_async``, confluent-kafka ``produce`` +
``flush``) sending the same envelopes in the same batches with no outbox: the ceiling the relay's
SQLite reads, marks and bookkeeping are measured against.

* Throughput: ``--events`` envelopes already committed to the SQLite outbox (not timed), drained by the
  relay in batches of ``--batch``: every record published, acked by the broker and marked sent. CPU is
  this process's (relay + client library), not the broker's. Target: at least 10,000 events/s.
* Latency: a producer commits 10 events every 5 ms (2,000/s) for 2 s while the relay (polling every
  5 ms) and a consumer (caught up first) run; latency is consumer receipt minus the producer's commit.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# benchmarks/secrets.py would shadow the standard library's secrets (which pydantic imports).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))

from sentinel.runtime.events import outbox  # noqa: E402
from sentinel.runtime.events.delivery import EventSource  # noqa: E402
from sentinel.runtime.events.envelopes import EventEnvelope  # noqa: E402
from sentinel.runtime.events.kafka import KafkaBus  # noqa: E402
from sentinel.runtime.events.nats_jetstream import NatsJetStreamBus  # noqa: E402
from sentinel.runtime.events.outbox import OutboxStore  # noqa: E402
from sentinel.runtime.events.relay import Relay  # noqa: E402
from testsupport import brokers  # noqa: E402
from testsupport.processes import find_program  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=UTC)
TARGET = 10_000


def _event(n: int, tag: str) -> EventEnvelope:
    return EventEnvelope.create(
        event_type="core.DecisionRecorded", source_ref="bench", source_native_id=f"{tag}-{n}",
        source_sequence=n, aggregate_id=f"agg-{n % 64}", occurred_at=T0 + timedelta(microseconds=n),
        ingested_at=T0 + timedelta(seconds=1), payload={"n": n, "decision": "deny", "score": 4200},
        correlation_id="bench", causation_type="user_action", causation_id="bench", actor="service:bench",
    )


async def _connect(kind: str, url: str) -> NatsJetStreamBus | KafkaBus:
    if kind == "nats":
        return await NatsJetStreamBus.connect(url)
    return await KafkaBus.connect(url, create_topics=True)


async def throughput(kind: str, url: str, db: Path, events: int, batch: int, tag: str) -> tuple[float, float]:
    conn = outbox.connect(db)
    with conn:
        for n in range(events):
            outbox.enqueue(conn, "conversation.events", _event(n, tag))
    conn.close()
    bus = await _connect(kind, url)
    store = OutboxStore.open(db)
    relay = Relay(store, bus, batch_size=batch)
    wall, cpu = time.perf_counter(), time.process_time()
    assert await relay.drain(timeout=300)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert store.counts()["sent"] == events
    await bus.close()
    store.close()
    return wall, cpu


async def raw_client(kind: str, url: str, events: int, batch: int, tag: str) -> tuple[float, float]:
    """The peer: the bare client library publishing the same bytes in the same batches, no outbox."""
    payloads = [(_event(n, tag).event_id, _event(n, tag).to_json()) for n in range(events)]
    if kind == "nats":
        import nats

        nc = await nats.connect(url)
        js = nc.jetstream(publish_async_max_pending=batch + 1)
        wall, cpu = time.perf_counter(), time.process_time()
        for start in range(0, events, batch):
            futures = [await js.publish_async("conversation.events", body, headers={"Nats-Msg-Id": mid})
                       for mid, body in payloads[start:start + batch]]
            await asyncio.gather(*futures)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        await nc.close()
        return wall, cpu
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": url, "enable.idempotence": True, "acks": "all",
                         "linger.ms": 5, "batch.size": 131072})
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, events, batch):
        for mid, body in payloads[start:start + batch]:
            producer.produce("conversation.events", value=body, headers=[("message-id", mid.encode())])
        await asyncio.to_thread(producer.flush, 30)
    return time.perf_counter() - wall, time.process_time() - cpu


async def latency(kind: str, url: str, db: Path, tag: str) -> list[float]:
    bus = await _connect(kind, url)
    conn = outbox.connect(db)
    store = OutboxStore.open(db)
    relay = Relay(store, bus, batch_size=1000, poll_interval=0.005)
    source: EventSource
    if isinstance(bus, NatsJetStreamBus):
        source = await bus.source(f"lat-{tag}")
    else:
        source = bus.source(f"lat-{tag}")
    expected = {_event(n, tag).event_id for n in range(4000)}
    committed: dict[str, float] = {}
    received: dict[str, float] = {}
    stop = asyncio.Event()

    async def produce() -> None:
        for step in range(400):
            batch = [_event(n, tag) for n in range(step * 10, step * 10 + 10)]
            with conn:
                for event in batch:
                    outbox.enqueue(conn, "conversation.events", event)
            now = time.perf_counter()
            committed.update((event.event_id, now) for event in batch)
            await asyncio.sleep(0.005)

    async def consume() -> None:
        deadline = time.perf_counter() + 60
        while len(received) < 4000 and time.perf_counter() < deadline:
            for delivery in await source.fetch(500, 0.05):
                if delivery.message_id in expected:  # the topic also holds the throughput runs' events
                    received.setdefault(delivery.message_id, time.perf_counter())
                await delivery.ack()

    # Catch the consumer up with what earlier runs left on the stream/topics (and let Kafka's group
    # join finish) so only this run's events are timed: two empty 1 s fetches in a row.
    empty = 0
    while empty < 2:
        backlog = await source.fetch(1000, 1.0)
        empty = 0 if backlog else empty + 1
        for delivery in backlog:
            await delivery.ack()
    relay_task = asyncio.create_task(relay.run(stop))
    consumer = asyncio.create_task(consume())
    await produce()
    await consumer
    stop.set()
    await relay_task
    await source.close()
    await bus.close()
    return [received[i] - committed[i] for i in received if i in committed]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    nats_program = find_program("nats-server", "/usr/sbin")
    java = brokers.kafka_java()
    if not nats_program or not java:
        sys.exit(f"needs nats-server ({brokers.NATS_HINT}) and the Kafka broker ({brokers.KAFKA_HINT})")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        nats = brokers.nats(nats_program, work / "nats", max_payload=1 << 20)
        kafka = brokers.kafka(java, work / "kafka")
        urls = {"nats": nats.url, "kafka": kafka.bootstrap}
        rows = ("nats", "kafka", "nats raw", "kafka raw")
        results: dict[str, list[tuple[float, float]]] = {row: [] for row in rows}
        lat: dict[str, list[float]] = {"nats": [], "kafka": []}
        try:
            for round_no in range(args.rounds):
                for kind in ("nats", "kafka"):
                    tag = f"{kind}-{round_no}"
                    results[kind].append(asyncio.run(
                        throughput(kind, urls[kind], work / f"{tag}.db", args.events, args.batch, tag)))
                    results[f"{kind} raw"].append(asyncio.run(
                        raw_client(kind, urls[kind], args.events, args.batch, f"raw-{tag}")))
                    lat_tag = f"lat-{tag}"
                    lat[kind].extend(asyncio.run(latency(kind, urls[kind], work / f"{lat_tag}.db", lat_tag)))
        finally:
            nats.stop()
            kafka.kill()
    print(f"\noutbox -> broker, {args.events} events, batch {args.batch}, {args.rounds} rounds (medians)")
    print(f"{'broker':<10} {'wall s':>8} {'cpu s':>8} {'events/s':>10} {'target':>8} "
          f"{'e2e p50 ms':>11} {'e2e p95 ms':>11} {'e2e n':>7}")
    for kind in ("nats", "kafka", "nats raw", "kafka raw"):
        wall = statistics.median(w for w, _ in results[kind])
        cpu = statistics.median(c for _, c in results[kind])
        rate = args.events / wall
        if kind in lat:
            p50, p95 = _pct(lat[kind], 0.5) * 1000, _pct(lat[kind], 0.95) * 1000
            tail = f"{p50:>11.1f} {p95:>11.1f} {len(lat[kind]):>7}"
        else:
            tail = f"{'-':>11} {'-':>11} {'-':>7}"
        verdict = "ok" if rate >= TARGET else "MISS"
        print(f"{kind:<10} {wall:>8.3f} {cpu:>8.3f} {rate:>10,.0f} {verdict:>8} {tail}")


if __name__ == "__main__":
    main()
