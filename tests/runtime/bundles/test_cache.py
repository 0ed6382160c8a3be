"""The ``constitution:{tenant}`` cache and the Redis Streams bus, against a real redis-server."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
import redis as redis_sync

from sentinel.runtime.bundles.cache import (
    CacheUnavailable,
    ConstitutionCache,
    ConstitutionReader,
    ConstitutionRecord,
    connect,
)
from sentinel.runtime.bundles.events import SUBJECT, ConstitutionChange, envelope, publish_change
from sentinel.runtime.events.envelopes import EventEnvelope
from sentinel.runtime.events.redis_streams import RedisStreamsBus
from tests.runtime.bundles.syncing import redis_server
from testsupport.processes import Server

__all__ = ["redis_server"]

HASH_A = "a" * 64
HASH_B = "b" * 64
AT = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def url(server: Server) -> str:
    return f"redis://127.0.0.1:{server.port}/0"


def record(tenant: str, digest: str = HASH_A, revision: str = "r1") -> ConstitutionRecord:
    return ConstitutionRecord(tenant=tenant, hash=digest, revision=revision, activated_at=AT)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_written_record_is_stored_under_constitution_tenant_as_json(redis_server: Server) -> None:
    async def scenario() -> None:
        cache = ConstitutionCache(connect(url(redis_server)))
        await cache.write(record("acme"))
        await cache.close()

    asyncio.run(scenario())
    raw = redis_sync.Redis(port=redis_server.port).get("constitution:acme")
    assert raw is not None
    assert json.loads(raw) == {
        "tenant": "acme",
        "hash": HASH_A,
        "revision": "r1",
        "activated_at": "2026-12-07T12:00:00+00:00",
    }


def test_a_record_reads_back_equal(redis_server: Server) -> None:
    async def scenario() -> ConstitutionRecord | None:
        cache = ConstitutionCache(connect(url(redis_server)))
        await cache.write(record("acme"))
        try:
            return await cache.read("acme")
        finally:
            await cache.close()

    assert asyncio.run(scenario()) == record("acme")


def test_the_reader_answers_from_its_local_copy_until_the_ttl_passes(redis_server: Server) -> None:
    direct = redis_sync.Redis(port=redis_server.port)
    direct.set("constitution:acme", record("acme").to_json())
    clock = Clock()

    async def scenario() -> list[str | None]:
        cache = ConstitutionCache(connect(url(redis_server)))
        reader = ConstitutionReader(cache, ttl=5.0, clock=clock)
        seen = []
        first = await reader.get("acme")
        seen.append(first.hash if first else None)
        direct.set("constitution:acme", record("acme", HASH_B).to_json())
        clock.now = 4.9
        cached = await reader.get("acme")
        seen.append(cached.hash if cached else None)
        clock.now = 5.1
        fresh = await reader.get("acme")
        seen.append(fresh.hash if fresh else None)
        await cache.close()
        return seen

    assert asyncio.run(scenario()) == [HASH_A, HASH_A, HASH_B]


def test_a_tenant_without_a_record_gets_the_default_record(redis_server: Server) -> None:
    redis_sync.Redis(port=redis_server.port).set("constitution:default", record("default").to_json())

    async def scenario() -> ConstitutionRecord | None:
        cache = ConstitutionCache(connect(url(redis_server)))
        try:
            return await ConstitutionReader(cache).get("acme")
        finally:
            await cache.close()

    assert asyncio.run(scenario()) == record("default")


def test_no_record_at_all_reads_as_none(redis_server: Server) -> None:
    async def scenario() -> ConstitutionRecord | None:
        cache = ConstitutionCache(connect(url(redis_server)))
        try:
            return await ConstitutionReader(cache).get("acme")
        finally:
            await cache.close()

    assert asyncio.run(scenario()) is None


def test_with_redis_killed_the_reader_fails_closed_once_its_copy_expires(redis_server: Server) -> None:
    redis_sync.Redis(port=redis_server.port).set("constitution:acme", record("acme").to_json())
    clock = Clock()

    async def scenario() -> None:
        cache = ConstitutionCache(connect(url(redis_server), timeout=0.5))
        reader = ConstitutionReader(cache, ttl=5.0, clock=clock)
        assert await reader.get("acme") == record("acme")
        redis_server.kill()
        clock.now = 1.0
        assert await reader.get("acme") == record("acme")
        clock.now = 6.0
        with pytest.raises(CacheUnavailable):
            await reader.get("acme")

    asyncio.run(scenario())


def test_writing_to_a_killed_redis_raises_cache_unavailable(redis_server: Server) -> None:
    async def scenario() -> None:
        cache = ConstitutionCache(connect(url(redis_server), timeout=0.5))
        redis_server.kill()
        with pytest.raises(CacheUnavailable):
            await cache.write(record("acme"))

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "value",
    [
        b"not json",
        b'{"tenant": "acme"}',
        json.dumps(
            {"tenant": "other", "hash": HASH_A, "revision": "r", "activated_at": AT.isoformat()}
        ).encode(),
        json.dumps(
            {"tenant": "acme", "hash": "xyz", "revision": "r", "activated_at": AT.isoformat()}
        ).encode(),
        json.dumps(
            {"tenant": "acme", "hash": HASH_A, "revision": 5, "activated_at": AT.isoformat()}
        ).encode(),
        json.dumps(
            {"tenant": "acme", "hash": HASH_A, "revision": "r", "activated_at": "2026-12-07"}
        ).encode(),
        b"[" * 10_000,
    ],
)
def test_a_value_that_is_not_a_constitution_record_is_refused(redis_server: Server, value: bytes) -> None:
    redis_sync.Redis(port=redis_server.port).set("constitution:acme", value)

    async def scenario() -> None:
        cache = ConstitutionCache(connect(url(redis_server)))
        try:
            with pytest.raises(CacheUnavailable):
                await cache.read("acme")
        finally:
            await cache.close()

    asyncio.run(scenario())


@pytest.mark.parametrize("tenant", ["", "a b", "x:y", "../etc", "é", "t" * 129, "*"])
def test_an_invalid_tenant_id_is_refused_before_redis_is_asked(redis_server: Server, tenant: str) -> None:
    async def scenario() -> None:
        cache = ConstitutionCache(connect(url(redis_server)))
        try:
            with pytest.raises(ValueError):
                await ConstitutionReader(cache).get(tenant)
        finally:
            await cache.close()

    asyncio.run(scenario())
    assert redis_sync.Redis(port=redis_server.port).dbsize() == 0


def test_the_reader_keeps_at_most_max_entries_local_copies(redis_server: Server) -> None:
    async def scenario() -> int:
        cache = ConstitutionCache(connect(url(redis_server)))
        reader = ConstitutionReader(cache, max_entries=10)
        for index in range(50):
            await reader.get(f"tenant-{index}")
        await cache.close()
        return len(reader._entries)

    assert asyncio.run(scenario()) <= 10


# Redis Streams bus and constitution.updated --------------------------------------------------------


def change(old: str | None = HASH_A, new: str = HASH_B) -> ConstitutionChange:
    return ConstitutionChange(tenant="acme", old_hash=old, new_hash=new, revision="r2", activated_at=AT)


def test_constitution_updated_is_added_to_the_stream_with_its_id(redis_server: Server) -> None:
    async def scenario() -> str:
        bus = RedisStreamsBus(connect(url(redis_server)))
        try:
            return await publish_change(bus, change())
        finally:
            await bus.close()

    event_id = asyncio.run(scenario())
    entries = redis_sync.Redis(port=redis_server.port).xrange("sentinel:events:constitution.updated")
    assert len(entries) == 1
    fields = entries[0][1]
    assert fields[b"message_id"].decode() == event_id
    event = EventEnvelope.model_validate_json(fields[b"payload"])
    assert event.event_type == "core.ConstitutionUpdated"
    assert event.payload == {"tenant": "acme", "old_hash": HASH_A, "new_hash": HASH_B, "revision": "r2"}


def test_the_same_message_id_published_twice_is_stored_once(redis_server: Server) -> None:
    async def scenario() -> None:
        bus = RedisStreamsBus(connect(url(redis_server)))
        await publish_change(bus, change())
        await publish_change(bus, change())
        await bus.close()

    asyncio.run(scenario())
    assert redis_sync.Redis(port=redis_server.port).xlen("sentinel:events:" + SUBJECT) == 1


def test_the_stream_is_bounded_by_maxlen(redis_server: Server) -> None:
    async def scenario() -> None:
        bus = RedisStreamsBus(connect(url(redis_server)), maxlen=10)
        for index in range(500):
            await bus.publish("constitution.updated", f"{index:064x}", b"{}")
        await bus.close()

    asyncio.run(scenario())
    assert redis_sync.Redis(port=redis_server.port).xlen("sentinel:events:constitution.updated") < 200


def test_the_event_id_depends_only_on_the_change() -> None:
    assert envelope(change()).event_id == envelope(change()).event_id
    assert envelope(change()).event_id != envelope(change(new="c" * 64)).event_id
    assert envelope(change(old=None)).payload["old_hash"] is None


def test_publishing_to_a_killed_redis_raises_publish_error(redis_server: Server) -> None:
    from sentinel.runtime.events.bus import PublishError

    async def scenario() -> None:
        bus = RedisStreamsBus(connect(url(redis_server), timeout=0.5))
        redis_server.kill()
        with pytest.raises(PublishError):
            await publish_change(bus, change())

    asyncio.run(scenario())
