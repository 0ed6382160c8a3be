"""The verifier's verified-signature cache: a hit skips only the signature, never a check that depends on
time or state (expiry, revocation in a real Redis, key rotation, the tenant's constitution, audience),
a forged signature never hits, and the cache stays bounded."""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import jwt

from sentinel.runtime.bundles.cache import ConstitutionCache, ConstitutionReader, ConstitutionRecord, connect
from sentinel.runtime.identity import (
    IssuedToken,
    ReaderConstitution,
    Revocations,
    SigningKey,
    StaticKeys,
    TokenError,
    TokenIssuer,
    TokenVerifier,
    VerificationKey,
)
from sentinel.runtime.identity.tokens import DEFAULT_LEEWAY_S as LEEWAY_S
from testsupport.processes import Server

from .conftest import AUDIENCE, Clock, redis_url

OLD = "1" * 64
NEW = "2" * 64


class CountingVerifier(TokenVerifier):
    """A real verifier that counts the signature checks it makes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.signature_checks = 0
        self._count_lock = threading.Lock()

    def _signature_valid(self, key: VerificationKey, signing_input: bytes, signature: bytes) -> bool:
        with self._count_lock:
            self.signature_checks += 1
        return super()._signature_valid(key, signing_input, signature)


class MutableKeys:
    """A verification-key source whose trusted set the test changes (the port a rotating ring fills)."""

    def __init__(self, keys: Mapping[str, VerificationKey]) -> None:
        self.keys = dict(keys)

    async def verification_key(self, kid: str) -> VerificationKey | None:
        return self.keys.get(kid)


def _mint(key: SigningKey, clock: Clock, **kwargs: Any) -> IssuedToken:
    return asyncio.run(TokenIssuer(StaticKeys(key), clock=clock).mint(sub="alice", aud=AUDIENCE, **kwargs))


async def _outcome(verifier: TokenVerifier, token: str, audience: str = AUDIENCE) -> str:
    try:
        claims = await verifier.verify(token, audience=audience)
    except TokenError as exc:
        return exc.reason
    return f"ok:{claims.jti}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_second_verification_of_a_token_skips_the_signature_check(es_key: SigningKey, clock: Clock) -> None:
    issued = _mint(es_key, clock)
    verifier = CountingVerifier(StaticKeys(es_key), clock=clock)

    async def twice() -> list[str]:
        return [await _outcome(verifier, issued.token) for _ in range(2)]

    assert asyncio.run(twice()) == [f"ok:{issued.claims.jti}"] * 2
    assert verifier.signature_checks == 1
    assert (verifier.cache_stats().hits, verifier.cache_stats().entries) == (1, 1)


def test_forged_signature_over_the_same_claims_never_hits(es_key: SigningKey, clock: Clock) -> None:
    issued = _mint(es_key, clock)
    verifier = CountingVerifier(StaticKeys(es_key), clock=clock)
    signing_input = issued.token.rsplit(".", 1)[0]
    attacker = SigningKey.generate(es_key.kid, "ES256")
    signature = jwt.get_algorithm_by_name("ES256").sign(signing_input.encode(), attacker.private_key)
    forged = f"{signing_input}.{_b64(signature)}"

    async def genuine_then_forged() -> list[str]:
        return [await _outcome(verifier, issued.token), await _outcome(verifier, forged)]

    assert asyncio.run(genuine_then_forged()) == [f"ok:{issued.claims.jti}", "bad_signature"]
    assert verifier.signature_checks == 2


def test_revoked_token_is_refused_after_it_was_cached(
    redis_server: Server, es_key: SigningKey, clock: Clock
) -> None:
    issued = _mint(es_key, clock)

    async def scenario() -> list[str]:
        client = connect(redis_url(redis_server))
        revocations = Revocations(client)
        verifier = TokenVerifier(StaticKeys(es_key), revocations=revocations, clock=clock)
        first = await _outcome(verifier, issued.token)
        await revocations.revoke(issued.claims.jti, issued.claims.exp, now=clock())
        second = await _outcome(verifier, issued.token)
        await client.aclose()
        return [first, second]

    assert asyncio.run(scenario()) == [f"ok:{issued.claims.jti}", "revoked"]


def test_unreachable_redis_refuses_a_cached_token(
    redis_server: Server, es_key: SigningKey, clock: Clock
) -> None:
    issued = _mint(es_key, clock)

    async def scenario() -> list[str]:
        client = connect(redis_url(redis_server), timeout=0.5)
        verifier = TokenVerifier(StaticKeys(es_key), revocations=Revocations(client), clock=clock)
        first = await _outcome(verifier, issued.token)
        redis_server.stop()
        second = await _outcome(verifier, issued.token)
        await client.aclose()
        return [first, second]

    assert asyncio.run(scenario()) == [f"ok:{issued.claims.jti}", "unavailable"]


def test_expired_token_is_refused_after_it_was_cached(es_key: SigningKey, clock: Clock) -> None:
    issued = _mint(es_key, clock, ttl_s=60)
    verifier = TokenVerifier(StaticKeys(es_key), clock=clock, cache_ttl_s=3600)

    async def scenario() -> list[str]:
        first = await _outcome(verifier, issued.token)
        clock.now = issued.claims.exp + LEEWAY_S
        return [first, await _outcome(verifier, issued.token)]

    assert asyncio.run(scenario()) == [f"ok:{issued.claims.jti}", "expired"]


def test_cached_token_is_refused_when_the_clock_is_before_its_nbf(es_key: SigningKey, clock: Clock) -> None:
    issued = _mint(es_key, clock)
    verifier = TokenVerifier(StaticKeys(es_key), clock=clock)

    async def scenario() -> list[str]:
        first = await _outcome(verifier, issued.token)
        clock.now = issued.claims.nbf - LEEWAY_S - 1
        return [first, await _outcome(verifier, issued.token)]

    assert asyncio.run(scenario()) == [f"ok:{issued.claims.jti}", "not_yet_valid"]


def test_cached_token_is_refused_for_another_audience(es_key: SigningKey, clock: Clock) -> None:
    issued = _mint(es_key, clock)
    verifier = TokenVerifier(StaticKeys(es_key), clock=clock)

    async def scenario() -> list[str]:
        return [await _outcome(verifier, issued.token), await _outcome(verifier, issued.token, "billing-api")]

    assert asyncio.run(scenario()) == [f"ok:{issued.claims.jti}", "wrong_audience"]


def test_rotated_out_key_refuses_its_cached_tokens_at_once(es_key: SigningKey, clock: Clock) -> None:
    first, second = _mint(es_key, clock), _mint(es_key, clock)
    other = SigningKey.generate("es-2", "ES256")
    kept = _mint(other, clock)
    keys = MutableKeys({es_key.kid: es_key.public(), other.kid: other.public()})
    verifier = TokenVerifier(keys, clock=clock)

    async def scenario() -> list[str]:
        for issued in (first, second, kept):
            await verifier.verify(issued.token, audience=AUDIENCE)
        del keys.keys[es_key.kid]
        return [await _outcome(verifier, first.token), await _outcome(verifier, kept.token)]

    assert asyncio.run(scenario()) == ["unknown_kid", f"ok:{kept.claims.jti}"]
    assert verifier.cache_stats().entries == 1  # both tokens of the retired kid were dropped together


def test_other_key_under_the_same_kid_refuses_cached_tokens(es_key: SigningKey, clock: Clock) -> None:
    issued = _mint(es_key, clock)
    keys = MutableKeys({es_key.kid: es_key.public()})
    verifier = TokenVerifier(keys, clock=clock)

    async def scenario() -> list[str]:
        first = await _outcome(verifier, issued.token)
        keys.keys[es_key.kid] = SigningKey.generate(es_key.kid, "ES256").public()
        return [first, await _outcome(verifier, issued.token)]

    assert asyncio.run(scenario()) == [f"ok:{issued.claims.jti}", "bad_signature"]


def test_constitution_change_refuses_a_cached_token(
    redis_server: Server, es_key: SigningKey, clock: Clock
) -> None:
    def record(digest: str) -> ConstitutionRecord:
        return ConstitutionRecord("acme", digest, f"rev-{digest[0]}", datetime(2027, 1, 1, tzinfo=UTC))

    async def scenario() -> list[object]:
        client = connect(redis_url(redis_server))
        cache = ConstitutionCache(client)
        source = ReaderConstitution(ConstitutionReader(cache, ttl=0.001))
        await cache.write(record(OLD))
        issued = await TokenIssuer(StaticKeys(es_key), constitution=source, clock=clock).mint(
            sub="alice", aud=AUDIENCE, tenant="acme"
        )
        verifier = TokenVerifier(StaticKeys(es_key), constitution=source, clock=clock)
        first = await _outcome(verifier, issued.token)
        await cache.write(record(NEW))
        await asyncio.sleep(0.01)
        second = await _outcome(verifier, issued.token)
        await client.aclose()
        return [first == f"ok:{issued.claims.jti}", second]

    assert asyncio.run(scenario()) == [True, "constitution_mismatch"]


def test_refused_token_is_not_cached(es_key: SigningKey, clock: Clock) -> None:
    issued = _mint(es_key, clock)
    verifier = TokenVerifier(StaticKeys(es_key), clock=clock)
    assert asyncio.run(_outcome(verifier, issued.token, "billing-api")) == "wrong_audience"
    assert verifier.cache_stats().entries == 0


def test_cache_is_bounded_and_evicts_the_least_recently_used(es_key: SigningKey, clock: Clock) -> None:
    tokens = [_mint(es_key, clock).token for _ in range(5)]
    verifier = CountingVerifier(StaticKeys(es_key), clock=clock, cache_size=3)

    async def scenario() -> None:
        for token in tokens:
            await verifier.verify(token, audience=AUDIENCE)
        await verifier.verify(tokens[4], audience=AUDIENCE)  # a hit
        await verifier.verify(tokens[0], audience=AUDIENCE)  # evicted: verified again

    asyncio.run(scenario())
    assert verifier.cache_stats().entries == 3
    assert verifier.signature_checks == 6


def test_cache_entry_lives_no_longer_than_its_ttl(es_key: SigningKey, clock: Clock) -> None:
    issued = _mint(es_key, clock)
    verifier = CountingVerifier(StaticKeys(es_key), clock=clock, cache_ttl_s=10)

    async def scenario() -> None:
        await verifier.verify(issued.token, audience=AUDIENCE)
        clock.now += 10
        await verifier.verify(issued.token, audience=AUDIENCE)

    asyncio.run(scenario())
    assert verifier.signature_checks == 2


def test_cache_size_zero_checks_every_signature(es_key: SigningKey, clock: Clock) -> None:
    issued = _mint(es_key, clock)
    verifier = CountingVerifier(StaticKeys(es_key), clock=clock, cache_size=0)

    async def scenario() -> None:
        for _ in range(3):
            await verifier.verify(issued.token, audience=AUDIENCE)

    asyncio.run(scenario())
    assert verifier.signature_checks == 3


def test_caller_cannot_alter_the_claims_a_later_hit_returns(es_key: SigningKey, clock: Clock) -> None:
    issued = _mint(es_key, clock)
    verifier = TokenVerifier(StaticKeys(es_key), clock=clock)

    async def scenario() -> Mapping[str, Any]:
        first = await verifier.verify(issued.token, audience=AUDIENCE)
        first.raw["sub"] = "mallory"  # type: ignore[index]
        return (await verifier.verify(issued.token, audience=AUDIENCE)).raw

    assert asyncio.run(scenario())["sub"] == "alice"


def test_cache_stays_consistent_under_concurrent_threads(es_key: SigningKey, clock: Clock) -> None:
    tokens = [_mint(es_key, clock).token for _ in range(40)]
    verifier = CountingVerifier(StaticKeys(es_key), clock=clock, cache_size=16)

    def worker(offset: int) -> int:
        async def run() -> int:
            accepted = 0
            for i in range(len(tokens)):
                token = tokens[(i + offset) % len(tokens)]
                accepted += (await verifier.verify(token, audience=AUDIENCE)).aud == AUDIENCE
            return accepted

        return asyncio.run(run())

    with ThreadPoolExecutor(max_workers=4) as pool:
        accepted = sum(pool.map(worker, range(0, 40, 10)))
    stats = verifier.cache_stats()
    assert accepted == 160
    assert stats.entries <= 16
    assert stats.hits + stats.misses == 160
