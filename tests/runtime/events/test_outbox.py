"""The outbox shares the service's transaction: the record exists exactly when the state change does."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sentinel.runtime.events import outbox
from sentinel.runtime.events.outbox import OutboxError, OutboxStore

from .conftest import make_event


def _service_db(path: Path) -> sqlite3.Connection:
    conn = outbox.connect(path)
    with conn:
        conn.execute("CREATE TABLE IF NOT EXISTS decisions (id INTEGER PRIMARY KEY, verdict TEXT)")
    return conn


def test_the_database_runs_in_wal_mode(tmp_path: Path) -> None:
    conn = _service_db(tmp_path / "svc.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_committed_change_and_its_record_are_both_stored(tmp_path: Path) -> None:
    conn = _service_db(tmp_path / "svc.db")
    with conn:
        conn.execute("INSERT INTO decisions (verdict) VALUES ('deny')")
        outbox.enqueue(conn, "identity.audit", make_event(1))
    store = OutboxStore.open(tmp_path / "svc.db")
    assert store.counts()["pending"] == 1
    assert conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 1


def test_a_rolled_back_change_leaves_no_record(tmp_path: Path) -> None:
    conn = _service_db(tmp_path / "svc.db")
    with pytest.raises(RuntimeError), conn:
        conn.execute("INSERT INTO decisions (verdict) VALUES ('deny')")
        outbox.enqueue(conn, "identity.audit", make_event(1))
        raise RuntimeError("the service failed after writing")
    assert OutboxStore.open(tmp_path / "svc.db").counts() == {"pending": 0, "sent": 0, "parked": 0}
    assert conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 0


def test_enqueue_outside_a_transaction_is_refused(tmp_path: Path) -> None:
    conn = outbox.connect(tmp_path / "svc.db")
    conn.isolation_level = None  # autocommit: each statement would commit on its own
    with pytest.raises(OutboxError, match="transaction"):
        outbox.enqueue(conn, "identity.audit", make_event(1))


def test_the_same_envelope_enqueued_twice_is_one_record(tmp_path: Path) -> None:
    conn = outbox.connect(tmp_path / "svc.db")
    with conn:
        assert outbox.enqueue(conn, "identity.audit", make_event(1)) is True
        assert outbox.enqueue(conn, "identity.audit", make_event(1)) is False
    assert OutboxStore.open(tmp_path / "svc.db").counts()["pending"] == 1


def test_records_come_out_in_insertion_order(tmp_path: Path) -> None:
    conn = outbox.connect(tmp_path / "svc.db")
    with conn:
        for i in (5, 1, 3):
            outbox.enqueue(conn, "identity.audit", make_event(i))
    due = OutboxStore.open(tmp_path / "svc.db").due(now=0.0, limit=10)
    assert [record.message_id for record in due] == [make_event(i).event_id for i in (5, 1, 3)]


def test_a_record_waiting_for_retry_holds_back_its_aggregate_only(tmp_path: Path) -> None:
    conn = outbox.connect(tmp_path / "svc.db")
    with conn:
        outbox.enqueue(conn, "identity.audit", make_event(1, aggregate="a"))
        outbox.enqueue(conn, "identity.audit", make_event(2, aggregate="a"))
        outbox.enqueue(conn, "identity.audit", make_event(3, aggregate="b"))
    store = OutboxStore.open(tmp_path / "svc.db")
    first = store.due(now=100.0, limit=10)[0]
    store.retry_later(first.seq, "broker down", next_attempt_at=200.0)
    assert [r.message_id for r in store.due(now=150.0, limit=10)] == [make_event(3, aggregate="b").event_id]
    assert len(store.due(now=200.0, limit=10)) == 3


def test_a_parked_record_keeps_its_reason_and_can_be_requeued(tmp_path: Path) -> None:
    conn = outbox.connect(tmp_path / "svc.db")
    with conn:
        outbox.enqueue(conn, "identity.audit", make_event(1))
    store = OutboxStore.open(tmp_path / "svc.db")
    [record] = store.due(now=0.0, limit=10)
    store.park(record.seq, "rejected by the broker: too large")
    assert store.parked() == [(record.seq, record.message_id, "rejected by the broker: too large")]
    store.requeue(record.seq)
    assert store.counts()["pending"] == 1
