"""The ``constitution_hash`` claim against the active hash in Redis ``constitution:{tenant}`` (the
bundles' reader), including a constitution change and an unreachable Redis."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sentinel.runtime.bundles.cache import ConstitutionCache, ConstitutionReader, ConstitutionRecord, connect
from sentinel.runtime.identity import ReaderConstitution, SigningKey, StaticKeys, TokenIssuer, TokenVerifier
from sentinel.runtime.identity.errors import TokenError
from testsupport.processes import Server

from .conftest import AUDIENCE, Clock, redis_url

OLD = "1" * 64
NEW = "2" * 64


def _record(digest: str) -> ConstitutionRecord:
    return ConstitutionRecord("acme", digest, f"rev-{digest[0]}", datetime(2027, 1, 1, tzinfo=UTC))


def _outcome(verifier: TokenVerifier, token: str) -> str:
    async def run() -> str:
        try:
            claims = await verifier.verify(token, audience=AUDIENCE)
        except TokenError as exc:
            return exc.reason
        return claims.constitution_hash or ""

    return asyncio.run(run())


def test_token_is_refused_once_the_tenants_constitution_changes(
    redis_server: Server, es_key: SigningKey, clock: Clock
) -> None:
    async def scenario() -> tuple[str, str]:
        client = connect(redis_url(redis_server))
        cache = ConstitutionCache(client)
        source = ReaderConstitution(ConstitutionReader(cache, ttl=0.001))
        await cache.write(_record(OLD))
        token = await TokenIssuer(StaticKeys(es_key), constitution=source, clock=clock).issue(
            sub="alice", aud=AUDIENCE, tenant="acme"
        )
        verifier = TokenVerifier(StaticKeys(es_key), constitution=source, clock=clock)
        before = (await verifier.verify(token, audience=AUDIENCE)).constitution_hash or ""
        await cache.write(_record(NEW))
        await asyncio.sleep(0.01)
        try:
            await verifier.verify(token, audience=AUDIENCE)
            after = "accepted"
        except TokenError as exc:
            after = exc.reason
        await client.aclose()
        return before, after

    assert asyncio.run(scenario()) == (OLD, "constitution_mismatch")


def test_unreachable_constitution_store_refuses_the_token(
    redis_server: Server, es_key: SigningKey, clock: Clock
) -> None:
    async def scenario() -> str:
        client = connect(redis_url(redis_server), timeout=0.5)
        cache = ConstitutionCache(client)
        await cache.write(_record(OLD))
        source = ReaderConstitution(ConstitutionReader(cache, ttl=0.001))
        token = await TokenIssuer(StaticKeys(es_key), constitution=source, clock=clock).issue(
            sub="alice", aud=AUDIENCE, tenant="acme"
        )
        redis_server.stop()
        await asyncio.sleep(0.01)
        try:
            await TokenVerifier(StaticKeys(es_key), constitution=source, clock=clock).verify(
                token, audience=AUDIENCE
            )
            return "accepted"
        except TokenError as exc:
            return exc.reason
        finally:
            await client.aclose()

    assert asyncio.run(scenario()) == "unavailable"
