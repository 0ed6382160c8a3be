"""The jti deny-list against a real redis-server: revoked tokens are refused, the entry lives as long as
the token, every revocation leaves a receipt, and an unreachable Redis lets nothing through."""

from __future__ import annotations

import asyncio
from typing import Any

from sentinel.runtime.bundles.cache import connect
from sentinel.runtime.events.envelopes import parse_event
from sentinel.runtime.events.redis_streams import RedisStreamsBus
from sentinel.runtime.identity import (
    IdentityAudit,
    Revocations,
    SigningKey,
    StaticKeys,
    TokenIssuer,
    TokenVerifier,
)
from sentinel.runtime.identity.errors import TokenError
from testsupport.processes import Server

from .conftest import AUDIENCE, NOW, Clock, redis_url


def test_revoked_token_is_refused_and_others_still_pass(
    redis_server: Server, es_key: SigningKey, clock: Clock
) -> None:
    async def scenario() -> tuple[str, str]:
        client = connect(redis_url(redis_server))
        revocations = Revocations(client)
        issuer = TokenIssuer(StaticKeys(es_key), clock=clock)
        verifier = TokenVerifier(StaticKeys(es_key), revocations=revocations, clock=clock)
        revoked = await issuer.mint(sub="alice", aud=AUDIENCE)
        kept = await issuer.mint(sub="alice", aud=AUDIENCE)
        await revocations.revoke(revoked.claims.jti, revoked.claims.exp, now=clock())
        try:
            await verifier.verify(revoked.token, audience=AUDIENCE)
            outcome = "accepted"
        except TokenError as exc:
            outcome = exc.reason
        other = (await verifier.verify(kept.token, audience=AUDIENCE)).jti
        await client.aclose()
        return outcome, other

    outcome, other = asyncio.run(scenario())
    assert outcome == "revoked"
    assert other


def test_revocation_lives_as_long_as_the_token_plus_leeway(redis_server: Server) -> None:
    async def scenario() -> int:
        client = connect(redis_url(redis_server))
        await Revocations(client, leeway_s=60).revoke("jti-ttl", NOW + 300, now=NOW)
        ttl = int(await client.ttl("sentinel:identity:revoked:jti-ttl"))
        await client.aclose()
        return ttl

    assert 355 <= asyncio.run(scenario()) <= 360


def test_revocation_emits_a_receipt_without_the_token(redis_server: Server, es_key: SigningKey) -> None:
    async def scenario() -> tuple[dict[str, object], bytes]:
        client = connect(redis_url(redis_server))
        bus = RedisStreamsBus(client)
        issued = await TokenIssuer(StaticKeys(es_key)).mint(sub="alice", aud=AUDIENCE)
        audit = IdentityAudit(bus)
        await Revocations(client, audit=audit).revoke(
            issued.claims.jti,
            issued.claims.exp,
            now=issued.claims.iat,
            requester="ops:bob",
            correlation_id="inc-42",
        )
        entries: Any = await client.xrange(bus.stream("identity.audit"))
        await client.aclose()
        raw = entries[0][1][b"payload"]
        event = parse_event(raw)
        assert event.event_type == "core.TokenRevoked"
        assert event.correlation_id == "inc-42"
        return event.payload, raw if issued.token.encode() not in raw else b"LEAK"

    payload, raw = asyncio.run(scenario())
    assert payload["requester"] == "ops:bob"
    assert raw != b"LEAK"


def test_unreachable_redis_refuses_every_token(
    redis_server: Server, es_key: SigningKey, clock: Clock
) -> None:
    async def scenario() -> str:
        token = await TokenIssuer(StaticKeys(es_key), clock=clock).issue(sub="alice", aud=AUDIENCE)
        client = connect(redis_url(redis_server), timeout=0.5)
        verifier = TokenVerifier(StaticKeys(es_key), revocations=Revocations(client), clock=clock)
        redis_server.stop()
        try:
            await verifier.verify(token, audience=AUDIENCE)
            return "accepted"
        except TokenError as exc:
            return exc.reason
        finally:
            await client.aclose()

    assert asyncio.run(scenario()) == "unavailable"
