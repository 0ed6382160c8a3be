"""The training lock on a real Redis: NX acquire, owner-checked renew and release, TTL, exclusivity."""

from __future__ import annotations

import asyncio
import time

import pytest

from sentinel.runtime.bundles.cache import connect
from sentinel.runtime.training.lock import Lease, TrainingLock, TrainingUnavailable
from tests.runtime.training.conftest import redis_url
from testsupport.processes import Server


def run_with_lock(server: Server, ttl_ms: int, scenario):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        client = connect(redis_url(server), timeout=1.0)
        try:
            return await scenario(TrainingLock(client, ttl_ms=ttl_ms), client)
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_second_acquire_while_held_gets_nothing(redis_server: Server) -> None:
    async def scenario(lock: TrainingLock, _client: object) -> tuple[Lease | None, Lease | None]:
        return await lock.acquire("acme", "alice"), await lock.acquire("acme", "bob")

    first, second = run_with_lock(redis_server, 5000, scenario)
    assert first is not None and first.owner == "alice"
    assert second is None


def test_lock_is_per_tenant(redis_server: Server) -> None:
    async def scenario(lock: TrainingLock, _client: object) -> tuple[Lease | None, Lease | None]:
        return await lock.acquire("acme", "alice"), await lock.acquire("globex", "bob")

    first, second = run_with_lock(redis_server, 5000, scenario)
    assert first is not None and second is not None


def test_holder_names_the_owner_under_the_tenant_key(redis_server: Server) -> None:
    async def scenario(lock: TrainingLock, client) -> tuple[str | None, bool]:  # type: ignore[no-untyped-def]
        await lock.acquire("acme", "alice")
        return await lock.holder("acme"), bool(await client.exists("training:acme"))

    assert run_with_lock(redis_server, 5000, scenario) == ("alice", True)


def test_release_by_a_stale_lease_leaves_the_lock_alone(redis_server: Server) -> None:
    async def scenario(lock: TrainingLock, _client: object) -> tuple[bool, str | None]:
        await lock.acquire("acme", "alice")
        impostor = Lease("acme", "alice", "not-the-token", 5000)
        return await lock.release(impostor), await lock.holder("acme")

    assert run_with_lock(redis_server, 5000, scenario) == (False, "alice")


def test_release_frees_the_lock_for_the_next_holder(redis_server: Server) -> None:
    async def scenario(lock: TrainingLock, _client: object) -> tuple[bool, Lease | None]:
        lease = await lock.acquire("acme", "alice")
        assert lease is not None
        return await lock.release(lease), await lock.acquire("acme", "bob")

    released, next_lease = run_with_lock(redis_server, 5000, scenario)
    assert released and next_lease is not None and next_lease.owner == "bob"


def test_ttl_frees_the_lock_of_a_crashed_holder(redis_server: Server) -> None:
    async def scenario(lock: TrainingLock, _client: object) -> tuple[Lease | None, Lease | None]:
        await lock.acquire("acme", "crashed")
        await asyncio.sleep(0.4)
        return await lock.acquire("acme", "bob"), None

    after, _ = run_with_lock(redis_server, 200, scenario)
    assert after is not None and after.owner == "bob"


def test_renew_keeps_the_lease_past_its_first_ttl(redis_server: Server) -> None:
    async def scenario(lock: TrainingLock, _client: object) -> tuple[bool, str | None]:
        lease = await lock.acquire("acme", "alice")
        assert lease is not None
        renewed = True
        for _ in range(4):
            await asyncio.sleep(0.1)
            renewed = renewed and await lock.renew(lease)
        return renewed, await lock.holder("acme")

    assert run_with_lock(redis_server, 250, scenario) == (True, "alice")


def test_renew_of_an_expired_lease_fails_and_takes_nothing_back(redis_server: Server) -> None:
    async def scenario(lock: TrainingLock, _client: object) -> tuple[bool, str | None]:
        lease = await lock.acquire("acme", "alice")
        assert lease is not None
        await asyncio.sleep(0.3)
        await lock.acquire("acme", "bob")
        return await lock.renew(lease), await lock.holder("acme")

    assert run_with_lock(redis_server, 150, scenario) == (False, "bob")


def test_redis_unreachable_raises_unavailable(redis_server: Server) -> None:
    async def scenario(lock: TrainingLock, _client: object) -> None:
        redis_server.kill()
        await lock.acquire("acme", "alice")

    with pytest.raises(TrainingUnavailable):
        run_with_lock(redis_server, 5000, scenario)


def test_bad_tenant_is_refused_before_redis(redis_server: Server) -> None:
    async def scenario(lock: TrainingLock, _client: object) -> None:
        await lock.acquire("acme:*", "alice")

    with pytest.raises(ValueError):
        run_with_lock(redis_server, 5000, scenario)


def test_fifty_contenders_hold_the_lock_one_at_a_time(redis_server: Server) -> None:
    """50 contenders, each with its own connection, until each held the lock once (bounded: 20 s)."""
    contenders = 50
    inside = 0
    most_inside = 0
    holds: list[str] = []
    deadline = time.monotonic() + 20

    async def contender(number: int) -> None:
        nonlocal inside, most_inside
        client = connect(redis_url(redis_server), timeout=2.0)
        lock = TrainingLock(client, ttl_ms=5000)
        owner = f"contender-{number}"
        try:
            while time.monotonic() < deadline:
                lease = await lock.acquire("acme", owner)
                if lease is None:
                    await asyncio.sleep(0.005)
                    continue
                inside += 1
                most_inside = max(most_inside, inside)
                assert await lock.holder("acme") == owner
                await asyncio.sleep(0.002)
                inside -= 1
                holds.append(owner)
                assert await lock.release(lease)
                return
        finally:
            await client.aclose()

    async def everyone() -> None:
        await asyncio.gather(*(contender(n) for n in range(contenders)))

    asyncio.run(everyone())
    assert most_inside == 1
    assert sorted(holds) == sorted(f"contender-{n}" for n in range(contenders))
