"""Real brokers for the events tests: a fresh NATS JetStream per test (it starts in ~0.1 s) and one
Kafka KRaft node per session (it starts in ~5 s), both on free loopback ports.

A missing broker skips, or fails under ``SENTINEL_REQUIRE_ORACLES=1`` (CI), via ``require_program``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sentinel.runtime.events.envelopes import EventEnvelope
from sentinel.runtime.events.kafka import KafkaBus
from testsupport import brokers
from testsupport.processes import require_program

from .harness import Broker

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def make_event(index: int, *, aggregate: str = "a0", payload: dict[str, Any] | None = None) -> EventEnvelope:
    """Event number ``index`` of ``aggregate``; its source sequence is ``index``."""
    return EventEnvelope.create(
        event_type="core.DecisionRecorded",
        source_ref="sentinel-gateway",
        source_native_id=f"{aggregate}-{index}",
        source_sequence=index,
        aggregate_id=aggregate,
        occurred_at=T0 + timedelta(milliseconds=index),
        ingested_at=T0 + timedelta(seconds=1, milliseconds=index),
        payload=payload if payload is not None else {"aggregate": aggregate, "n": index},
        correlation_id="corr-1",
        causation_type="user_action",
        causation_id="ua-login-1",
        actor="service:gateway",
    )


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[brokers.Nats]:
    program = require_program("nats-server", brokers.NATS_HINT)
    server = brokers.nats(program, tmp_path / "nats")
    try:
        yield server
    finally:
        server.stop()


def _kafka_java() -> str:
    java = brokers.kafka_java()
    if java is not None:
        return java
    message = f"the Kafka broker is not installed ({brokers.KAFKA_HINT})"
    if os.environ.get("SENTINEL_REQUIRE_ORACLES") == "1":
        pytest.fail(f"{message}; SENTINEL_REQUIRE_ORACLES=1 forbids skipping", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def kafka_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[brokers.Kafka]:
    node = brokers.kafka(_kafka_java(), tmp_path_factory.mktemp("kafka"))

    async def create_topics() -> None:
        bus = await KafkaBus.connect(node.bootstrap, create_topics=True)
        await bus.close()

    try:
        asyncio.run(create_topics())
        yield node
    finally:
        node.kill()  # its data is a temp dir; a graceful shutdown would only cost CI seconds


@pytest.fixture(params=["nats", "kafka"])
def broker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Broker]:
    """Each real broker in turn: a fresh NATS, or the session's Kafka node."""
    if request.param == "nats":
        node: brokers.Nats | brokers.Kafka = request.getfixturevalue("nats_server")
    else:
        node = request.getfixturevalue("kafka_node")
    yield Broker(request.param, node)
