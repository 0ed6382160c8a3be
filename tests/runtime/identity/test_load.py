"""Bounded load test on loopback (real Redis): while keys rotate and tokens are revoked, concurrent
verifications never let a token through after its revocation completed, and every token that was not
revoked keeps verifying across the key switches."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from sentinel.runtime.bundles.cache import connect
from sentinel.runtime.identity import (
    FileKeyStore,
    KeyRotation,
    Revocations,
    RotationPolicy,
    TokenIssuer,
    TokenVerifier,
)
from sentinel.runtime.identity.errors import TokenError
from testsupport.processes import Server

from .conftest import AUDIENCE, redis_url

TOKENS = 120
VERIFIERS = 8
ROTATIONS = 6
TIME_LIMIT_S = 60
# grace 0: a new key signs at once, so the verifiers (no ring cache) see every key switch under load.
POLICY = RotationPolicy(algorithm="ES256", period_s=3600, grace_s=0, max_token_ttl_s=600)


def test_no_revoked_token_passes_during_rotation(redis_server: Server, tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    folder.mkdir(mode=0o700)

    async def scenario() -> tuple[list[str], int, int]:
        client = connect(redis_url(redis_server))
        ring = KeyRotation(client, FileKeyStore(folder), policy=POLICY, cache_ttl_s=0)
        await ring.rotate()
        revocations = Revocations(client)
        issuer = TokenIssuer(ring, max_ttl_s=600)
        verifier = TokenVerifier(ring, revocations=revocations, max_ttl_s=600)
        issued = []
        for _ in range(TOKENS):
            issued.append(await issuer.mint(sub="alice", aud=AUDIENCE, ttl_s=600))
            if len(issued) % (TOKENS // ROTATIONS) == 0:
                await ring.rotate(force=True)
        to_revoke = issued[::2]
        revoked_done: set[str] = set()
        violations: list[str] = []
        checks = 0
        stop = asyncio.Event()

        async def revoke_all() -> None:
            for item in to_revoke:
                await revocations.revoke(item.claims.jti, item.claims.exp, now=item.claims.iat)
                revoked_done.add(item.claims.jti)
                await asyncio.sleep(0)

        async def rotate_some() -> None:
            for _ in range(ROTATIONS):
                await ring.rotate(force=True)
                await asyncio.sleep(0.01)

        async def verify_loop(seed: int) -> None:
            nonlocal checks
            rng = random.Random(seed)
            while not stop.is_set():
                item = rng.choice(issued)
                revoked_before = item.claims.jti in revoked_done
                try:
                    await verifier.verify(item.token, audience=AUDIENCE)
                    if revoked_before:
                        violations.append(item.claims.jti)
                except TokenError as exc:
                    if exc.reason != "revoked":
                        violations.append(f"{item.claims.jti}: {exc.reason}")
                checks += 1

        async def writers() -> None:
            await asyncio.gather(revoke_all(), rotate_some())
            stop.set()

        await asyncio.wait_for(
            asyncio.gather(writers(), *(verify_loop(seed) for seed in range(VERIFIERS))), TIME_LIMIT_S
        )
        survivors = 0
        for item in issued[1::2]:
            await verifier.verify(item.token, audience=AUDIENCE)
            survivors += 1
        await client.aclose()
        return violations, checks, survivors

    violations, checks, survivors = asyncio.run(scenario())
    assert violations == []
    assert checks >= TOKENS
    assert survivors == TOKENS // 2
