"""Key rotation against a real redis-server and a real key folder, with an injected clock."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
from starlette.applications import Starlette

from sentinel.runtime.bundles.cache import connect
from sentinel.runtime.events.envelopes import parse_event
from sentinel.runtime.events.redis_streams import RedisStreamsBus
from sentinel.runtime.identity import (
    FileKeyStore,
    IdentityAudit,
    KeyRotation,
    RotationPolicy,
    StaticKeys,
    TokenIssuer,
    TokenVerifier,
    jwks_route,
)
from sentinel.runtime.identity.errors import TokenError
from testsupport.processes import Server

from .conftest import AUDIENCE, NOW, Clock, redis_url

T = TypeVar("T")
POLICY = RotationPolicy(algorithm="EdDSA", period_s=1000, grace_s=100, max_token_ttl_s=300, leeway_s=10)


def _store(tmp_path: Path) -> FileKeyStore:
    folder = tmp_path / "keys"
    folder.mkdir(mode=0o700, exist_ok=True)
    return FileKeyStore(folder)


def _run(server: Server, scenario: Callable[[Any], Awaitable[T]]) -> T:
    async def main() -> T:
        client = connect(redis_url(server))
        try:
            return await scenario(client)
        finally:
            await client.aclose()

    return asyncio.run(main())


def _ring(client: Any, store: FileKeyStore, clock: Clock, **kwargs: Any) -> KeyRotation:
    return KeyRotation(client, store, policy=POLICY, clock=clock, cache_ttl_s=0, **kwargs)


def test_first_rotation_creates_and_activates_a_key(
    redis_server: Server, tmp_path: Path, clock: Clock
) -> None:
    async def scenario(client: Any) -> list[tuple[str, str]]:
        ring = _ring(client, _store(tmp_path), clock)
        steps = await ring.rotate()
        assert [m.state for m in await ring.ring()] == ["active"]
        return steps

    assert [event for event, _ in _run(redis_server, scenario)] == ["created", "activated"]


def test_rotation_before_it_is_due_changes_nothing(
    redis_server: Server, tmp_path: Path, clock: Clock
) -> None:
    async def scenario(client: Any) -> list[tuple[str, str]]:
        ring = _ring(client, _store(tmp_path), clock)
        await ring.rotate()
        clock.now = NOW + POLICY.period_s - POLICY.grace_s - 1
        return await ring.rotate()

    assert _run(redis_server, scenario) == []


def test_next_key_is_published_before_it_signs(redis_server: Server, tmp_path: Path, clock: Clock) -> None:
    async def scenario(client: Any) -> tuple[str, set[str], str]:
        ring = _ring(client, _store(tmp_path), clock)
        first = (await ring.rotate())[0][1]
        clock.now = NOW + POLICY.period_s - POLICY.grace_s
        created = (await ring.rotate())[0][1]
        published = {key["kid"] for key in (await ring.jwks())["keys"]}
        signer = (await ring.signing_key()).kid
        assert signer == first
        return created, published, signer

    created, published, signer = _run(redis_server, scenario)
    assert published == {created, signer}


def test_signing_switches_after_the_grace_period_and_old_tokens_still_verify(
    redis_server: Server, tmp_path: Path, clock: Clock
) -> None:
    async def scenario(client: Any) -> tuple[str, str, str]:
        ring = _ring(client, _store(tmp_path), clock)
        issuer = TokenIssuer(ring, clock=clock, max_ttl_s=POLICY.max_token_ttl_s)
        verifier = TokenVerifier(ring, clock=clock, max_ttl_s=POLICY.max_token_ttl_s)
        await ring.rotate()
        clock.now = NOW + POLICY.period_s - POLICY.grace_s
        await ring.rotate()
        old = await issuer.issue(sub="alice", aud=AUDIENCE, ttl_s=POLICY.max_token_ttl_s)
        clock.now += POLICY.grace_s
        steps = await ring.rotate()
        new = await issuer.issue(sub="alice", aud=AUDIENCE)
        old_claims = await verifier.verify(old, audience=AUDIENCE)
        new_claims = await verifier.verify(new, audience=AUDIENCE)
        assert steps == [("activated", new_claims.kid)]
        return old_claims.kid, new_claims.kid, "ok"

    old_kid, new_kid, _ = _run(redis_server, scenario)
    assert old_kid != new_kid


def test_old_key_is_retired_after_the_longest_token_lifetime(
    redis_server: Server, tmp_path: Path, clock: Clock
) -> None:
    store = _store(tmp_path)

    async def scenario(client: Any) -> tuple[str, list[tuple[str, str]], str]:
        ring = _ring(client, store, clock)
        verifier = TokenVerifier(ring, clock=clock, max_ttl_s=POLICY.max_token_ttl_s)
        old_kid = (await ring.rotate())[0][1]
        leaked = store.read_key(old_kid)  # a copy taken before rotation destroys the file
        clock.now = NOW + POLICY.period_s
        await ring.rotate()  # creates the next key
        clock.now += POLICY.grace_s
        await ring.rotate()  # activates it; the old key is retiring
        clock.now += POLICY.max_token_ttl_s + POLICY.leeway_s
        steps = await ring.rotate()
        late = await TokenIssuer(StaticKeys(leaked), clock=clock).issue(sub="alice", aud=AUDIENCE)
        try:
            await verifier.verify(late, audience=AUDIENCE)
            reason = "accepted"
        except TokenError as exc:
            reason = exc.reason
        return old_kid, steps, reason

    old_kid, steps, reason = _run(redis_server, scenario)
    assert ("retired", old_kid) in steps
    assert reason == "unknown_kid"
    assert not (store.directory / f"{old_kid}.pem").exists()


def test_racing_rotations_agree_on_one_active_key(redis_server: Server, tmp_path: Path, clock: Clock) -> None:
    store = _store(tmp_path)

    async def scenario(client: Any) -> tuple[list[str], set[str]]:
        rings = [_ring(client, store, clock) for _ in range(4)]
        await asyncio.gather(*(ring.rotate() for ring in rings))
        states: list[str] = [meta.state for meta in await rings[0].ring()]
        kids = {meta.kid for meta in await rings[0].ring()}
        return states, kids

    states, kids = _run(redis_server, scenario)
    assert states == ["active"]
    assert {path.stem for path in store.directory.iterdir()} == kids


def test_every_rotation_step_emits_a_receipt(redis_server: Server, tmp_path: Path, clock: Clock) -> None:
    async def scenario(client: Any) -> list[str]:
        bus = RedisStreamsBus(client)
        ring = _ring(client, _store(tmp_path), clock, audit=IdentityAudit(bus, clock=clock))
        await ring.rotate(requester="ops:carol")
        entries = await client.xrange(bus.stream("identity.audit"))
        return [parse_event(fields[b"payload"]).event_type for _, fields in entries]

    assert _run(redis_server, scenario) == ["core.SigningKeyCreated", "core.SigningKeyActivated"]


def test_jwks_endpoint_serves_the_ring_public_keys(
    redis_server: Server, tmp_path: Path, clock: Clock
) -> None:
    async def scenario(client: Any) -> tuple[int, dict[str, Any], str]:
        ring = _ring(client, _store(tmp_path), clock)
        await ring.rotate()
        app = Starlette(routes=[jwks_route(ring)])
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://identity"
        ) as http:
            response = await http.get("/.well-known/jwks.json")
        return response.status_code, response.json(), response.headers["cache-control"]

    status, document, cache_control = _run(redis_server, scenario)
    assert status == 200
    assert [(k["kty"], k["alg"], "d" in k) for k in document["keys"]] == [("OKP", "EdDSA", False)]
    assert cache_control == "public, max-age=60"


def test_key_files_are_created_owner_only(redis_server: Server, tmp_path: Path, clock: Clock) -> None:
    store = _store(tmp_path)
    _run(redis_server, lambda client: _ring(client, store, clock).rotate())
    modes = {os.stat(path).st_mode & 0o777 for path in store.directory.iterdir()}
    assert modes == {0o600}


def test_forced_rotation_without_grace_switches_to_the_scheduled_key_now(
    redis_server: Server, tmp_path: Path, clock: Clock
) -> None:
    store = _store(tmp_path)

    async def scenario(client: Any) -> tuple[list[tuple[str, str]], str]:
        await _ring(client, store, clock).rotate()
        clock.now = NOW + POLICY.period_s - POLICY.grace_s
        scheduled = (await _ring(client, store, clock).rotate())[0][1]
        urgent = RotationPolicy(algorithm="EdDSA", period_s=1000, grace_s=0, max_token_ttl_s=300, leeway_s=10)
        ring = KeyRotation(client, store, policy=urgent, clock=clock, cache_ttl_s=0)
        steps = await ring.rotate(force=True)
        assert (await ring.signing_key()).kid == scheduled
        return steps, scheduled

    steps, scheduled = _run(redis_server, scenario)
    assert steps == [("rescheduled", scheduled), ("activated", scheduled)]


def test_retiring_a_leaked_active_key_refuses_its_tokens_at_once(
    redis_server: Server, tmp_path: Path, clock: Clock
) -> None:
    store = _store(tmp_path)

    async def scenario(client: Any) -> tuple[list[tuple[str, str]], str, str, str]:
        ring = _ring(client, store, clock)
        issuer = TokenIssuer(ring, clock=clock, max_ttl_s=POLICY.max_token_ttl_s)
        verifier = TokenVerifier(ring, clock=clock, max_ttl_s=POLICY.max_token_ttl_s)
        leaked = (await ring.rotate())[0][1]
        clock.now = NOW + POLICY.period_s - POLICY.grace_s
        await ring.rotate()  # a next key is scheduled
        token = await issuer.issue(sub="alice", aud=AUDIENCE)
        steps = await ring.retire(leaked, requester="ops:carol")
        try:
            await verifier.verify(token, audience=AUDIENCE)
            reason = "accepted"
        except TokenError as exc:
            reason = exc.reason
        fresh = await verifier.verify(await issuer.issue(sub="alice", aud=AUDIENCE), audience=AUDIENCE)
        return steps, leaked, reason, fresh.kid

    steps, leaked, reason, fresh_kid = _run(redis_server, scenario)
    assert steps == [("retired", leaked), ("activated", fresh_kid)]
    assert reason == "unknown_kid"
    assert not (store.directory / f"{leaked}.pem").exists()
