"""Training mode: decided by policy, applied to the Redis lock, audited on ``training.audit``, gauged."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from sentinel.runtime.bundles.cache import connect
from sentinel.runtime.decision.decider import Decider
from sentinel.runtime.decision.packs import PackSet
from sentinel.runtime.events.redis_streams import RedisStreamsBus
from sentinel.runtime.gateway.deciders import LocalDecider
from sentinel.runtime.training.lock import TrainingLock, TrainingUnavailable
from sentinel.runtime.training.mode import TrainingBusy, TrainingForbidden, TrainingMode
from tests.runtime.training.conftest import decider, redis_url
from testsupport.processes import Server

ADMIN = ("admin:training",)
STREAM = "sentinel:events:training.audit"


def run(server: Server, scenario: Any, the_decider: Any = None) -> tuple[Any, CollectorRegistry]:
    registry = CollectorRegistry()

    async def go() -> Any:
        client = connect(redis_url(server), timeout=1.0)
        mode = TrainingMode(
            TrainingLock(client, ttl_ms=5000),
            LocalDecider(the_decider or decider()),
            RedisStreamsBus(client),
            registry,
        )
        try:
            return await scenario(mode, client)
        finally:
            await client.aclose()

    return asyncio.run(go()), registry


def state(registry: CollectorRegistry, tenant: str = "acme") -> float | None:
    return registry.get_sample_value("training_mode_state", {"tenant": tenant})


async def audit_events(client: Any) -> list[dict[str, Any]]:
    entries = await client.xrange(STREAM)
    return [json.loads(fields[b"payload"]) for _id, fields in entries]


def test_admin_enables_training_mode_and_holds_the_lock(redis_server: Server) -> None:
    async def scenario(mode: TrainingMode, _client: Any) -> str | None:
        await mode.enable("acme", "root", ADMIN)
        return await mode.holder("acme")

    holder, registry = run(redis_server, scenario)
    assert holder == "root"
    assert state(registry) == 1


def test_without_the_admin_scope_enabling_is_forbidden_and_nothing_is_locked(redis_server: Server) -> None:
    async def scenario(mode: TrainingMode, client: Any) -> tuple[str | None, int]:
        with pytest.raises(TrainingForbidden):
            await mode.enable("acme", "eve", ("chat:read",))
        return await mode.holder("acme"), len(await audit_events(client))

    (holder, events), registry = run(redis_server, scenario)
    assert holder is None and events == 0
    assert state(registry) is None


def test_second_enable_is_busy(redis_server: Server) -> None:
    async def scenario(mode: TrainingMode, _client: Any) -> None:
        await mode.enable("acme", "root", ADMIN)
        with pytest.raises(TrainingBusy):
            await mode.enable("acme", "other-admin", ADMIN)

    run(redis_server, scenario)


def test_every_transition_is_an_audit_event_with_owner_tenant_and_time(redis_server: Server) -> None:
    async def scenario(mode: TrainingMode, client: Any) -> list[dict[str, Any]]:
        lease = await mode.enable("acme", "root", ADMIN)
        assert await mode.disable(lease, "root", ADMIN)
        return await audit_events(client)

    events, registry = run(redis_server, scenario)
    assert [e["event_type"] for e in events] == ["core.TrainingModeEnabled", "core.TrainingModeDisabled"]
    for event in events:
        assert event["payload"]["owner"] == "root"
        assert event["payload"]["tenant"] == "acme"
        assert event["payload"]["at"].endswith("Z")
        assert "token" not in json.dumps(event["payload"])
    assert state(registry) == 0


def test_disable_without_the_admin_scope_is_forbidden_and_keeps_the_lock(redis_server: Server) -> None:
    async def scenario(mode: TrainingMode, _client: Any) -> str | None:
        lease = await mode.enable("acme", "root", ADMIN)
        with pytest.raises(TrainingForbidden):
            await mode.disable(lease, "eve", ())
        return await mode.holder("acme")

    holder, _ = run(redis_server, scenario)
    assert holder == "root"


def test_undecidable_transition_is_unavailable_and_takes_no_lock(redis_server: Server) -> None:
    async def scenario(mode: TrainingMode, _client: Any) -> str | None:
        with pytest.raises(TrainingUnavailable):
            await mode.enable("acme", "root", ADMIN)
        return await mode.holder("acme")

    holder, _ = run(redis_server, scenario, Decider(PackSet(None, {})))
    assert holder is None


def test_redis_down_is_unavailable_never_enabled(redis_server: Server) -> None:
    async def scenario(mode: TrainingMode, _client: Any) -> None:
        redis_server.kill()
        with pytest.raises(TrainingUnavailable):
            await mode.enable("acme", "root", ADMIN)

    _, registry = run(redis_server, scenario)
    assert state(registry) is None


def test_lost_lease_sets_the_gauge_to_zero_and_is_audited(redis_server: Server) -> None:
    async def scenario(mode: TrainingMode, client: Any) -> tuple[bool, list[dict[str, Any]]]:
        lease = await mode.enable("acme", "root", ADMIN)
        await client.delete("training:acme")  # an operator forced it off
        return await mode.renew(lease), await audit_events(client)

    (renewed, events), registry = run(redis_server, scenario)
    assert renewed is False
    assert [e["event_type"] for e in events][-1] == "core.TrainingModeLost"
    assert state(registry) == 0
