"""The governance stand-in on loopback, an injected clock, and a channel wired to both."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sentinel.runtime.cloud.backoff import Backoff
from sentinel.runtime.cloud.channel import ChannelStatus, ControlChannel, State
from sentinel.runtime.cloud.config import CloudConfig
from sentinel.runtime.cloud.heartbeat import AgentInfo
from testsupport.governance_server import ORG, TOKEN, ControlServer, GovernanceAPI, governance

INTERVAL = 30.0


@pytest.fixture
def stand_in() -> Iterator[tuple[ControlServer, GovernanceAPI]]:
    with governance() as both:
        yield both


class FakeTime:
    """A monotonic clock and a wall clock that move only when the code under test sleeps.

    Each ``sleep`` is announced on :attr:`requested` and blocks until the test calls :meth:`release`, so a
    test steps the channel one heartbeat interval or one backoff delay at a time.
    """

    def __init__(self) -> None:
        self.monotonic = 1000.0
        self.start = datetime(2026, 12, 7, 12, 0, 0, tzinfo=UTC)
        self.requested: asyncio.Queue[float] = asyncio.Queue()
        self._permits: asyncio.Queue[None] = asyncio.Queue()

    def clock(self) -> float:
        return self.monotonic

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.monotonic - 1000.0)

    async def sleep(self, seconds: float) -> None:
        await self.requested.put(seconds)
        await self._permits.get()
        self.monotonic += seconds

    async def next_sleep(self, timeout: float = 10.0) -> float:
        return await asyncio.wait_for(self.requested.get(), timeout)

    def release(self) -> None:
        self._permits.put_nowait(None)


async def eventually(predicate: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Wait for real I/O (a message crossing the socket), never for simulated time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.01)


def config_for(endpoint: str, api_url: str = "http://127.0.0.1:9", **overrides: Any) -> CloudConfig:
    values: dict[str, Any] = {
        "endpoint": endpoint,
        "api_url": api_url,
        "org_id": ORG,
        "agent_id": "agent-1",
        "token": TOKEN,
        "heartbeat_interval": INTERVAL,
        **overrides,
    }
    return CloudConfig(**values)


def make_channel(
    config: CloudConfig,
    fake: FakeTime,
    *,
    max_retries: int | None = None,
    seed: int = 7,
    on_stale: Callable[[ChannelStatus], None] | None = None,
    states: list[State] | None = None,
    on_state: Callable[[State], None] | None = None,
) -> ControlChannel:
    agent = AgentInfo(
        "agent-1", "enterprise", active_sessions=lambda: 3, policy_version_hash=lambda: "ab" * 32
    )
    return ControlChannel(
        config,
        agent,
        backoff=Backoff(max_retries=max_retries, rng=random.Random(seed)),
        clock=fake.clock,
        now=fake.now,
        sleep=fake.sleep,
        on_stale=on_stale,
        on_state=states.append if states is not None else on_state,
    )
