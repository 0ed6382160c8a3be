"""The control channel against a real WebSocket server on loopback, with time driven by the test."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from sentinel.runtime.cloud.channel import AuthenticationRefused, ChannelStatus, RetriesExhausted, State
from testsupport.governance_server import ControlServer, GovernanceAPI
from testsupport.processes import free_port

from .conftest import INTERVAL, FakeTime, config_for, eventually, make_channel

Stand = tuple[ControlServer, GovernanceAPI]


def beats_reach(control: ControlServer, count: int) -> Callable[[], bool]:
    return lambda: len(control.heartbeats()) == count


def test_the_first_heartbeat_carries_every_field(stand_in: Stand) -> None:
    control, _ = stand_in

    async def scenario() -> None:
        fake = FakeTime()
        channel = make_channel(config_for(control.url), fake)
        task = asyncio.create_task(channel.run())
        assert await fake.next_sleep() == INTERVAL
        await eventually(lambda: len(control.heartbeats()) == 1, "the first heartbeat")
        await channel.stop()
        await task

    asyncio.run(scenario())
    assert control.heartbeats()[0] == {
        "type": "heartbeat",
        "agent_id": "agent-1",
        "timestamp": "2026-12-07T12:00:00.000000Z",
        "edition": "enterprise",
        "uptime_s": 0,
        "active_sessions_count": 3,
        "policy_version_hash": "ab" * 32,
    }


def test_the_handshake_sends_the_bearer_token_and_the_org_id(stand_in: Stand) -> None:
    control, _ = stand_in

    async def scenario() -> None:
        fake = FakeTime()
        channel = make_channel(config_for(control.url), fake)
        task = asyncio.create_task(channel.run())
        await fake.next_sleep()
        await channel.stop()
        await task

    asyncio.run(scenario())
    headers = control.handshakes[0]
    assert headers["authorization"] == f"Bearer {control.token}"
    assert headers["x-sentinel-org"] == control.org


def test_a_heartbeat_goes_out_every_interval(stand_in: Stand) -> None:
    control, _ = stand_in

    async def scenario() -> list[float]:
        fake = FakeTime()
        channel = make_channel(config_for(control.url, heartbeat_interval=5.0), fake)
        task = asyncio.create_task(channel.run())
        asked = [await fake.next_sleep()]
        for _ in range(3):
            await eventually(lambda: channel.status.last_ack is not None, "an ack")
            channel.status.last_ack = None
            fake.release()
            asked.append(await fake.next_sleep())
        await eventually(lambda: len(control.heartbeats()) == 4, "four heartbeats")
        await channel.stop()
        await task
        return asked

    asked = asyncio.run(scenario())
    assert asked == [5.0, 5.0, 5.0, 5.0]
    assert [beat["uptime_s"] for beat in control.heartbeats()] == [0, 5, 10, 15]


def test_states_go_connecting_connected_then_disconnected_on_stop(stand_in: Stand) -> None:
    control, _ = stand_in
    states: list[State] = []

    async def scenario() -> None:
        fake = FakeTime()
        channel = make_channel(config_for(control.url), fake, states=states)
        task = asyncio.create_task(channel.run())
        await fake.next_sleep()
        await channel.stop()
        await task

    asyncio.run(scenario())
    assert states == [State.CONNECTING, State.CONNECTED, State.DISCONNECTED]


def test_acks_are_recorded_as_the_last_ack(stand_in: Stand) -> None:
    control, _ = stand_in

    async def scenario() -> ChannelStatus:
        fake = FakeTime()
        channel = make_channel(config_for(control.url), fake)
        task = asyncio.create_task(channel.run())
        await fake.next_sleep()
        await eventually(lambda: channel.status.last_ack is not None, "an ack")
        await channel.stop()
        await task
        return channel.status

    status = asyncio.run(scenario())
    assert status.last_ack == "2026-12-07T12:00:00.000000Z"
    assert status.last_heartbeat_sent == "2026-12-07T12:00:00.000000Z"
    assert status.auth_state == "accepted"


def test_no_ack_within_three_intervals_calls_the_stale_callback(stand_in: Stand) -> None:
    control, _ = stand_in
    control.ack = False
    stale: list[ChannelStatus] = []

    async def scenario() -> list[float]:
        fake = FakeTime()
        channel = make_channel(config_for(control.url), fake, on_stale=stale.append)
        task = asyncio.create_task(channel.run())
        for beat in range(1, 4):
            assert await fake.next_sleep() == INTERVAL
            await eventually(beats_reach(control, beat), f"heartbeat {beat}")
            assert stale == []
            fake.release()
        backoff = await fake.next_sleep()  # the stale connection was closed; now waiting to reconnect
        task.cancel()
        return [backoff]

    asked = asyncio.run(scenario())
    assert len(stale) == 1
    assert stale[0].stale_events == 1
    assert 0.8 <= asked[0] <= 1.2


def test_acks_keep_the_connection_from_going_stale(stand_in: Stand) -> None:
    control, _ = stand_in
    stale: list[ChannelStatus] = []

    async def scenario() -> None:
        fake = FakeTime()
        channel = make_channel(config_for(control.url), fake, on_stale=stale.append)
        task = asyncio.create_task(channel.run())
        for _ in range(6):
            assert await fake.next_sleep() == INTERVAL
            await eventually(lambda: channel.status.last_ack is not None, "an ack")
            channel.status.last_ack = None
            fake.release()
        await fake.next_sleep()
        await channel.stop()
        await task

    asyncio.run(scenario())
    assert stale == []
    assert control.connections == 1


def test_a_dropped_connection_reconnects_after_backoff_and_resends_the_last_heartbeat(
    stand_in: Stand,
) -> None:
    control, _ = stand_in
    control.drop_after = 2
    states: list[State] = []

    async def scenario() -> ChannelStatus:
        fake = FakeTime()
        channel = make_channel(config_for(control.url), fake, states=states)
        task = asyncio.create_task(channel.run())
        await fake.next_sleep()
        fake.release()  # second heartbeat: the server drops the connection after it
        assert await fake.next_sleep() == INTERVAL  # the drop interrupts this wait
        delay = await fake.next_sleep()
        assert 0.8 <= delay <= 1.2
        assert channel.status.state is State.RECONNECTING
        fake.release()
        assert await fake.next_sleep() == INTERVAL  # connected again
        await eventually(lambda: len(control.heartbeats()) == 3, "the resent heartbeat")
        await channel.stop()
        await task
        return channel.status

    status = asyncio.run(scenario())
    beats = control.heartbeats()
    assert beats[2] == beats[1]  # the same heartbeat, timestamp and all
    assert control.connections == 2
    assert status.heartbeats_resent == 1
    assert states[:4] == [State.CONNECTING, State.CONNECTED, State.RECONNECTING, State.CONNECTED]


def test_an_unreachable_endpoint_gives_up_at_the_retry_cap_with_jittered_doubling_delays() -> None:
    port = free_port()  # nothing listens here

    async def scenario() -> list[float]:
        fake = FakeTime()
        channel = make_channel(config_for(f"ws://127.0.0.1:{port}/v1/agents/connect"), fake, max_retries=4)
        task = asyncio.create_task(channel.run())
        delays = []
        for _ in range(4):
            delays.append(await fake.next_sleep())
            fake.release()
        with pytest.raises(RetriesExhausted, match="after 5 attempts"):
            await task
        assert channel.status.state is State.DISCONNECTED
        return delays

    delays = asyncio.run(scenario())
    for base, delay in zip([1, 2, 4, 8], delays, strict=True):
        assert base * 0.8 <= delay <= base * 1.2


def test_refused_credentials_stop_the_channel_without_retrying(stand_in: Stand) -> None:
    control, _ = stand_in
    control.token = "another-token"

    async def scenario() -> ChannelStatus:
        fake = FakeTime()
        channel = make_channel(config_for(control.url), fake)
        with pytest.raises(AuthenticationRefused, match="HTTP 401"):
            await asyncio.wait_for(channel.run(), 10)
        assert fake.requested.empty()  # no backoff sleep: it did not plan a retry
        return channel.status

    status = asyncio.run(scenario())
    assert len(control.handshakes) == 1
    assert (status.auth_state, status.state) == ("refused", State.DISCONNECTED)


def test_malformed_server_messages_are_ignored(stand_in: Stand) -> None:
    control, _ = stand_in
    control.greeting = ["not json", b"\x00binary", "[1, 2]", '{"type": "surprise"}']

    async def scenario() -> ChannelStatus:
        fake = FakeTime()
        channel = make_channel(config_for(control.url), fake)
        task = asyncio.create_task(channel.run())
        await fake.next_sleep()
        await eventually(lambda: channel.status.last_ack is not None or task.done(), "an ack")
        await channel.stop()
        await task
        return channel.status

    status = asyncio.run(scenario())
    assert status.last_ack is not None


def test_an_oversized_server_message_closes_the_connection_and_it_reconnects(stand_in: Stand) -> None:
    control, _ = stand_in
    control.greeting = ["x" * 70_000]

    async def scenario() -> float:
        fake = FakeTime()
        channel = make_channel(config_for(control.url), fake)
        task = asyncio.create_task(channel.run())
        delay = await fake.next_sleep()
        if delay == INTERVAL:  # the close may land before or after the first heartbeat interval starts
            delay = await fake.next_sleep()
        assert channel.status.state is State.RECONNECTING
        task.cancel()
        return delay

    assert 0.8 <= asyncio.run(scenario()) <= 1.2


def test_stop_during_a_backoff_wait_returns_at_once() -> None:
    port = free_port()

    async def scenario() -> State:
        fake = FakeTime()
        channel = make_channel(config_for(f"ws://127.0.0.1:{port}/v1/agents/connect"), fake)
        task = asyncio.create_task(channel.run())
        await fake.next_sleep()  # never released: only stop() can end this wait
        await channel.stop()
        await asyncio.wait_for(task, 5)
        return channel.status.state

    assert asyncio.run(scenario()) is State.DISCONNECTED


def test_the_token_never_reaches_the_logs(stand_in: Stand, caplog: pytest.LogCaptureFixture) -> None:
    control, _ = stand_in
    control.drop_after = 1
    port = free_port()

    async def scenario() -> None:
        for endpoint in (control.url, f"ws://127.0.0.1:{port}/v1/agents/connect"):
            fake = FakeTime()
            channel = make_channel(config_for(endpoint), fake, max_retries=1)
            task = asyncio.create_task(channel.run())
            await fake.next_sleep()
            fake.release()
            await asyncio.sleep(0)
            await channel.stop()
            fake.release()
            await asyncio.wait_for(task, 10)

    with caplog.at_level(logging.DEBUG):
        asyncio.run(scenario())
    agent_side = [r for r in caplog.records if r.name != "websockets.server"]  # not the stand-in's
    assert any(r.getMessage() == "> Authorization: [redacted]" for r in agent_side)
    for record in agent_side:
        assert control.token not in record.getMessage()
        assert control.token not in repr(record.__dict__)


def test_a_failing_callback_does_not_stop_the_channel(stand_in: Stand) -> None:
    control, _ = stand_in

    def broken(_state: State) -> None:
        raise RuntimeError("callback bug")

    async def scenario() -> ChannelStatus:
        fake = FakeTime()
        channel = make_channel(config_for(control.url), fake, on_state=broken)
        task = asyncio.create_task(channel.run())
        await fake.next_sleep()
        await eventually(lambda: channel.status.last_ack is not None, "an ack")
        await channel.stop()
        await task
        return channel.status

    assert asyncio.run(scenario()).state is State.DISCONNECTED
