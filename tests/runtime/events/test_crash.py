"""Crash tests, nothing lost: SIGKILL the relay mid-batch, and kill and restart the broker.

Afterwards every outbox record was delivered at least once, the consumer applies each exactly once
after de-duplication, and each aggregate's events are applied in their order. Every test prints its
counts (run with ``-s`` to see them).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sentinel.runtime.events import dedupe, outbox
from sentinel.runtime.events.dedupe import DedupeScope
from sentinel.runtime.events.delivery import Delivery, handle_batch
from sentinel.runtime.events.envelopes import parse_event
from sentinel.runtime.events.outbox import OutboxStore
from sentinel.runtime.events.relay import Backoff, Relay

from .conftest import make_event
from .harness import Broker

REPO = Path(__file__).resolve().parents[3]
WORKER = Path(__file__).with_name("relay_worker.py")
AGGREGATES = 12


def _fill_outbox(db: Path, count: int, tag: str) -> dict[str, list[int]]:
    """``count`` events over AGGREGATES aggregates, each enqueued with a state change of its own."""
    conn = outbox.connect(db)
    expected: dict[str, list[int]] = defaultdict(list)
    with conn:
        conn.execute("CREATE TABLE IF NOT EXISTS decisions (n INTEGER)")
        for n in range(count):
            aggregate = f"{tag}-{n % AGGREGATES}"
            conn.execute("INSERT INTO decisions (n) VALUES (?)", (n,))
            outbox.enqueue(conn, "conversation.events", make_event(n, aggregate=aggregate))
            expected[aggregate].append(n)
    conn.close()
    return expected


def _ids(expected: dict[str, list[int]]) -> list[str]:
    return [make_event(n, aggregate=a).event_id for a, numbers in expected.items() for n in numbers]


def _start_worker(db: Path, broker: Broker, log: Path, die_after: int = 0) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, str(WORKER), str(db), broker.kind, broker.url, str(die_after)],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO,
        )


def _wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@dataclass
class Outcome:
    records: int
    deliveries: int
    applied: int
    duplicates: int
    out_of_order: int


async def _consume_and_check(broker: Broker, expected: dict[str, list[int]], consumer_db: Path) -> Outcome:
    """Read every delivery (copies too), apply each through the dedupe scope into a projection (acking
    after the effect committed), and compare the projection with the outbox's order per aggregate."""
    conn = sqlite3.connect(consumer_db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    dedupe.install(conn)
    with conn:
        conn.execute("CREATE TABLE projection (aggregate TEXT, n INTEGER)")

    def scope_of(delivery: Delivery) -> DedupeScope:
        return DedupeScope("projector", "aggregate", str(parse_event(delivery.payload).aggregate_id))

    def apply(db: sqlite3.Connection, delivery: Delivery) -> None:
        event = parse_event(delivery.payload)
        db.execute("INSERT INTO projection VALUES (?, ?)", (event.aggregate_id, event.payload["n"]))

    bus = await broker.bus()
    source = await broker.source(bus)
    wanted = set(_ids(expected))
    seen: set[str] = set()
    deliveries = applied_count = duplicates = 0
    deadline = time.monotonic() + 60
    quiet_since: float | None = None
    while time.monotonic() < deadline:
        batch = await source.fetch(1000, 1.0)
        ours = [d for d in batch if d.message_id in wanted]
        for other in batch:
            if other.message_id not in wanted:
                await other.ack()  # an earlier test's message on the shared broker
        result = await handle_batch(ours, conn, scope_of, apply)
        deliveries += len(ours)
        applied_count += result.applied
        duplicates += result.duplicates
        seen.update(d.message_id for d in ours)
        if seen == wanted:  # then listen 1.5 s more for late copies (resends, redeliveries)
            quiet_since = quiet_since or time.monotonic()
            if batch:
                quiet_since = time.monotonic()
            if time.monotonic() - quiet_since > 1.5:
                break
    await source.close()
    await bus.close()

    applied: dict[str, list[int]] = defaultdict(list)
    for aggregate, n in conn.execute("SELECT aggregate, n FROM projection ORDER BY rowid"):
        applied[aggregate].append(n)
    out_of_order = sum(1 for ns in applied.values() for x, y in itertools.pairwise(ns) if y < x)
    missing = sorted(set(wanted) - seen)
    assert not missing, f"{len(missing)} records never delivered"
    for aggregate, numbers in expected.items():
        assert applied[aggregate] == numbers, f"{aggregate}: applied out of order or not exactly once"
    return Outcome(sum(map(len, expected.values())), deliveries, applied_count, duplicates, out_of_order)


def _report(name: str, broker: Broker, outcome: Outcome, **more: int) -> None:
    extras = " ".join(f"{k}={v}" for k, v in more.items())
    print(f"\n[crash] {name}[{broker.kind}] records={outcome.records} deliveries={outcome.deliveries} "
          f"applied={outcome.applied} duplicates={outcome.duplicates} out_of_order={outcome.out_of_order} "
          f"{extras}")


def test_relay_sigkilled_mid_run_loses_nothing(broker: Broker, tmp_path: Path) -> None:
    db = tmp_path / "outbox.db"
    expected = _fill_outbox(db, 6000, f"kill-{tmp_path.name}")
    store = OutboxStore.open(db)
    worker = _start_worker(db, broker, tmp_path / "relay.log")
    try:
        _wait_for(lambda: store.counts()["sent"] >= 1500, 60, "the relay to send 1500 records")
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    pending_at_kill = store.counts()["pending"]
    assert pending_at_kill > 0, "the relay was killed before it finished"
    worker = _start_worker(db, broker, tmp_path / "relay.log")
    try:
        _wait_for(lambda: store.counts()["pending"] == 0, 90, "the restarted relay to drain the outbox")
    finally:
        worker.kill()
        worker.wait()
    outcome = asyncio.run(_consume_and_check(broker, expected, tmp_path / "consumer.db"))
    assert outcome.applied == 6000 and outcome.out_of_order == 0
    _report("relay SIGKILL mid-run", broker, outcome, pending_at_kill=pending_at_kill)


def test_relay_killed_between_ack_and_mark_sent_resends_the_batch(broker: Broker, tmp_path: Path) -> None:
    db = tmp_path / "outbox.db"
    expected = _fill_outbox(db, 1000, f"ack-{tmp_path.name}")
    store = OutboxStore.open(db)
    worker = _start_worker(db, broker, tmp_path / "relay.log", die_after=3)
    try:
        assert worker.wait(timeout=60) == -signal.SIGKILL
    finally:
        worker.kill()
        worker.wait()
    assert store.counts()["sent"] == 200, "two batches marked; the third was acked but not marked"
    worker = _start_worker(db, broker, tmp_path / "relay.log")
    try:
        _wait_for(lambda: store.counts()["pending"] == 0, 60, "the restarted relay to drain the outbox")
    finally:
        worker.kill()
        worker.wait()
    outcome = asyncio.run(_consume_and_check(broker, expected, tmp_path / "consumer.db"))
    if broker.kind == "nats":
        assert outcome.duplicates == 0, "JetStream dropped the resent batch by Nats-Msg-Id"
    else:
        assert outcome.duplicates == 100, "Kafka stored the resent batch again; the consumer dropped it"
    _report("relay SIGKILL after ack", broker, outcome)


def test_broker_killed_and_restarted_loses_nothing(broker: Broker, tmp_path: Path) -> None:
    db = tmp_path / "outbox.db"
    expected = _fill_outbox(db, 6000, f"broker-{tmp_path.name}")

    async def relay_through_a_broker_crash() -> int:
        bus = await broker.bus()
        store = OutboxStore.open(db)
        relay = Relay(store, bus, batch_size=100, backoff=Backoff(base=0.05, cap=0.5))
        stop = asyncio.Event()
        task = asyncio.create_task(relay.run(stop))
        while store.counts()["sent"] < 1500:
            await asyncio.sleep(0.01)
        broker.kill()
        await asyncio.sleep(1.0)
        # Started from this (main) thread: processes.start ties the server's life to the starting thread
        # (PR_SET_PDEATHSIG), so starting it from a worker thread would kill it when that thread ends.
        broker.restart()
        deadline = time.monotonic() + 90
        while store.counts()["pending"] and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        stop.set()
        await task
        await bus.close()
        assert store.counts() == {"pending": 0, "sent": 6000, "parked": 0}
        return relay.stats.retried

    retried = asyncio.run(relay_through_a_broker_crash())
    outcome = asyncio.run(_consume_and_check(broker, expected, tmp_path / "consumer.db"))
    assert outcome.applied == 6000 and outcome.out_of_order == 0
    _report("broker SIGKILL + restart", broker, outcome, retried=retried)
