"""The audit stream: buffered on disk while the API is unreachable, flushed on reconnect, nothing lost."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from sentinel.runtime.cloud.buffer import AuditBuffer, BackPressure
from sentinel.runtime.cloud.channel import State
from sentinel.runtime.cloud.clients.base import BaseClient
from sentinel.runtime.cloud.clients.errors import AuthenticationError
from sentinel.runtime.cloud.metrics import AuditBufferCollector
from sentinel.runtime.cloud.stream import AuditStreamClient
from testsupport.governance_server import ORG, TOKEN, ControlServer, Fault, GovernanceAPI

from .conftest import FakeTime, config_for, make_channel

Stand = tuple[ControlServer, GovernanceAPI]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def stream_for(
    api: GovernanceAPI, path: Path, cap: int = 100, clock: Clock | None = None
) -> AuditStreamClient:
    base = BaseClient(api.url, ORG, TOKEN, sleep=lambda _s: None, timeout=2.0, max_retries=1)
    return AuditStreamClient(base, AuditBuffer(path, cap), batch_size=3, clock=clock or Clock())


def event(n: int) -> dict[str, object]:
    return {"event_id": f"evt-{n}", "type": "decision", "decision": "allow", "tenant": "t1", "n": n}


def test_events_reach_the_server_at_once_when_it_is_up(stand_in: Stand, tmp_path: Path) -> None:
    _, api = stand_in
    stream = stream_for(api, tmp_path / "audit.db")
    for n in range(5):
        stream.emit(event(n))
    assert sorted(api.audit_events) == [f"evt-{n}" for n in range(5)]
    assert stream.buffer.depth == 0


def test_events_wait_on_disk_while_the_server_is_down_and_flush_on_reconnect(
    stand_in: Stand, tmp_path: Path
) -> None:
    _, api = stand_in
    api.stop()
    stream = stream_for(api, tmp_path / "audit.db")
    for n in range(7):
        stream.emit(event(n))
    assert not stream.online and stream.buffer.depth == 7
    api.start()
    assert stream.reconnected() == 7
    assert [api.audit_events[f"evt-{n}"]["n"] for n in range(7)] == list(range(7))
    assert stream.buffer.depth == 0 and stream.online


def test_while_offline_emit_does_not_hammer_the_server_until_the_backoff_passes(
    stand_in: Stand, tmp_path: Path
) -> None:
    _, api = stand_in
    api.faults.append(Fault(status=500, path="/v1/audit", times=100))
    clock = Clock()
    stream = stream_for(api, tmp_path / "audit.db", clock=clock)
    stream.emit(event(0))
    posts = len(api.requests)
    stream.emit(event(1))
    stream.emit(event(2))
    assert len(api.requests) == posts  # inside the 1 s backoff: buffered only
    api.faults.clear()
    clock.now = 1.5
    stream.emit(event(3))
    assert sorted(api.audit_events) == ["evt-0", "evt-1", "evt-2", "evt-3"]


def test_buffered_events_survive_a_restart_of_the_agent(stand_in: Stand, tmp_path: Path) -> None:
    _, api = stand_in
    api.stop()
    first = stream_for(api, tmp_path / "audit.db")
    for n in range(4):
        first.emit(event(n))
    first.buffer.close()
    api.start()
    second = stream_for(api, tmp_path / "audit.db")
    assert second.buffer.depth == 4
    assert second.flush() == 4
    assert sorted(api.audit_events) == [f"evt-{n}" for n in range(4)]


def test_at_the_cap_emit_applies_back_pressure_and_reports_loudly_once(
    stand_in: Stand, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _, api = stand_in
    api.stop()
    stream = stream_for(api, tmp_path / "audit.db", cap=3)
    for n in range(3):
        stream.emit(event(n))
    with caplog.at_level(logging.ERROR, logger="sentinel.runtime.cloud.buffer"):
        for n in range(3, 6):
            with pytest.raises(BackPressure, match="3 of 3"):
                stream.emit(event(n))
    errors = [r.message for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["audit buffer full; refusing events"]
    assert stream.buffer.depth == 3 and stream.buffer.dropped == 0
    assert "FULL" in stream.status_line()


def test_events_the_server_refuses_are_kept_aside_and_counted_as_dropped(
    stand_in: Stand, tmp_path: Path
) -> None:
    _, api = stand_in
    api.refuse_events.add("evt-1")
    stream = stream_for(api, tmp_path / "audit.db")
    for n in range(3):
        stream.emit(event(n))
    assert sorted(api.audit_events) == ["evt-0", "evt-2"]
    assert stream.buffer.dropped == 1 and stream.buffer.depth == 0
    assert "1 dropped ever" in stream.status_line()


def test_the_dropped_count_is_persisted_and_exported_as_a_metric(stand_in: Stand, tmp_path: Path) -> None:
    _, api = stand_in
    api.faults.append(Fault(status=422, path="/v1/audit", times=2))
    stream = stream_for(api, tmp_path / "audit.db")
    stream.emit(event(0))
    stream.buffer.close()
    reopened = AuditBuffer(tmp_path / "audit.db", 100)
    registry = CollectorRegistry()
    registry.register(AuditBufferCollector(reopened))
    text = generate_latest(registry).decode()
    assert "sentinel_cloud_audit_dropped_total 1.0" in text
    assert "sentinel_cloud_audit_buffer_depth 0.0" in text


def test_a_batch_the_server_refuses_is_retried_event_by_event(stand_in: Stand, tmp_path: Path) -> None:
    _, api = stand_in
    api.stop()
    stream = stream_for(api, tmp_path / "audit.db")
    for n in range(3):
        stream.emit(event(n))
    api.start()
    api.faults.append(Fault(status=400, path="/v1/audit"))  # the batch of three, then one by one
    stream.reconnected()
    assert sorted(api.audit_events) == ["evt-0", "evt-1", "evt-2"]
    assert stream.buffer.dropped == 0


def test_a_resent_event_is_stored_once(stand_in: Stand, tmp_path: Path) -> None:
    _, api = stand_in
    stream = stream_for(api, tmp_path / "audit.db")
    stream.emit(event(1))
    stream.emit(event(1))
    assert list(api.audit_events) == ["evt-1"]


def test_an_event_without_an_id_gets_one_from_its_content(stand_in: Stand, tmp_path: Path) -> None:
    _, api = stand_in
    stream = stream_for(api, tmp_path / "audit.db")
    first = stream.emit({"type": "decision", "n": 1})
    again = stream.emit({"n": 1, "type": "decision"})
    assert first == again and len(first) == 64


def test_an_oversized_event_is_refused_before_it_is_stored(stand_in: Stand, tmp_path: Path) -> None:
    _, api = stand_in
    stream = stream_for(api, tmp_path / "audit.db")
    with pytest.raises(ValueError, match="over"):
        stream.emit({"event_id": "big", "blob": "x" * 70_000})
    assert stream.buffer.depth == 0


def test_a_refused_token_keeps_the_events_and_raises(stand_in: Stand, tmp_path: Path) -> None:
    _, api = stand_in
    api.faults.append(Fault(status=401, path="/v1/audit"))
    stream = stream_for(api, tmp_path / "audit.db")
    with pytest.raises(AuthenticationError):
        stream.emit(event(0))
    assert stream.buffer.depth == 1


def test_emit_many_stores_a_batch_in_one_go_and_sends_it(stand_in: Stand, tmp_path: Path) -> None:
    _, api = stand_in
    stream = stream_for(api, tmp_path / "audit.db")
    ids = stream.emit_many([event(n) for n in range(5)])
    assert ids == [f"evt-{n}" for n in range(5)]
    assert sorted(api.audit_events) == ids


def test_a_batch_that_does_not_fit_under_the_cap_is_refused_whole(stand_in: Stand, tmp_path: Path) -> None:
    _, api = stand_in
    api.stop()
    stream = stream_for(api, tmp_path / "audit.db", cap=4)
    stream.emit_many([event(n) for n in range(3)])
    with pytest.raises(BackPressure):
        stream.emit_many([event(n) for n in range(3, 5)])
    assert stream.buffer.depth == 3


def test_the_channel_reaching_connected_flushes_the_buffer_from_a_worker_thread(
    stand_in: Stand, tmp_path: Path
) -> None:
    control, api = stand_in
    api.stop()
    stream = stream_for(api, tmp_path / "audit.db")
    for n in range(3):
        stream.emit(event(n))
    api.start()

    async def scenario() -> int:
        loop = asyncio.get_running_loop()
        flushes: list[asyncio.Future[int]] = []

        def on_state(state: State) -> None:
            if state is State.CONNECTED:  # the flush does blocking I/O: keep it off the event loop
                flushes.append(loop.run_in_executor(None, stream.reconnected))

        fake = FakeTime()
        channel = make_channel(config_for(control.url), fake, on_state=on_state)
        task = asyncio.create_task(channel.run())
        await fake.next_sleep()
        sent = await asyncio.wait_for(flushes[0], 10)
        await channel.stop()
        await task
        return sent

    assert asyncio.run(scenario()) == 3
    assert sorted(api.audit_events) == ["evt-0", "evt-1", "evt-2"]


def test_threads_emitting_at_once_lose_nothing(stand_in: Stand, tmp_path: Path) -> None:
    _, api = stand_in
    stream = stream_for(api, tmp_path / "audit.db", cap=1000)

    def produce(worker: int) -> None:
        for n in range(40):
            stream.emit(event(worker * 1000 + n))

    workers = [threading.Thread(target=produce, args=(w,)) for w in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    stream.flush()
    assert len(api.audit_events) == 160
    assert stream.buffer.depth == 0
