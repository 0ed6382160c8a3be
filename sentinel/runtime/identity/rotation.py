"""Scheduled key rotation with its metadata in Redis (``sentinel:identity:keyring``).

A key goes ``next`` -> ``active`` -> ``retiring`` -> gone:

- ``next``: created ``grace_s`` before it signs and published in the JWKS at once, so every verifier
  (whose cached JWKS is at most ``grace_s`` old) knows it before the first token it signs arrives;
- ``active``: the one signing key; it signs for ``period_s``;
- ``retiring``: verifies tokens it signed until the longest token lifetime (plus leeway) has passed;
- gone: removed from the ring and its private key destroyed in the key store.

``rotate()`` does whatever step is due (call it from a timer or ``sentinel token rotate``); several
instances may call it at once: the ring is updated in a WATCH/MULTI transaction, a losing instance
retries on the new ring and drops the key it made. Verifiers need only Redis (the ring carries each
key's public JWK); signers also need the key store. The ring is read through a short local cache.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from sentinel.runtime.identity.errors import IdentityUnavailable, IssueError, KeyStoreError
from sentinel.runtime.identity.keys import SigningKey, VerificationKey, check_kid

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from sentinel.runtime.identity.audit import IdentityAudit
    from sentinel.runtime.identity.keystore import KeyStore

RING_KEY = "sentinel:identity:keyring"
MAX_RING_BYTES = 256 * 1024
_MAX_ATTEMPTS = 8
State = Literal["next", "active", "retiring"]


@dataclass(frozen=True)
class RotationPolicy:
    """How often keys change. ``grace_s`` must exceed every verifier's JWKS cache time; ``max_token_ttl_s``
    is the issuer's longest token lifetime (the old key verifies that long after the switch)."""

    algorithm: str = "ES256"
    period_s: int = 7 * 24 * 3600
    grace_s: int = 3600
    max_token_ttl_s: int = 3600
    leeway_s: int = 60

    def __post_init__(self) -> None:
        if self.algorithm not in ("ES256", "EdDSA"):
            raise ValueError("the rotation algorithm is ES256 or EdDSA")
        if min(self.period_s, self.max_token_ttl_s) <= 0 or self.grace_s < 0 or self.leeway_s < 0:
            raise ValueError("rotation periods must be positive")
        if self.grace_s >= self.period_s:
            raise ValueError("the grace period must be shorter than the rotation period")


@dataclass(frozen=True)
class KeyMeta:
    kid: str
    alg: str
    state: State
    created_at: int
    activates_at: int
    retires_at: int | None
    jwk: dict[str, Any]


def _as_bytes(raw: bytes | str | None) -> bytes | None:
    return raw.encode() if isinstance(raw, str) else raw


def _parse_ring(raw: bytes | None) -> list[KeyMeta]:
    if raw is None:
        return []
    if len(raw) > MAX_RING_BYTES:
        raise IdentityUnavailable("the key ring in Redis is too large")
    try:
        document = json.loads(raw)
        ring = [KeyMeta(**entry) for entry in document["keys"]]
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise IdentityUnavailable("the key ring in Redis is not a key ring") from None
    for meta in ring:
        if meta.state not in ("next", "active", "retiring"):
            raise IdentityUnavailable("the key ring in Redis holds an unknown key state")
        check_kid(meta.kid)
    return ring


def _dump_ring(ring: list[KeyMeta]) -> bytes:
    return json.dumps({"keys": [asdict(meta) for meta in ring]}, sort_keys=True).encode()


@dataclass
class _Cache:
    ring: list[KeyMeta]
    keys: dict[str, VerificationKey]
    read_at: float


class KeyRotation:
    """The rotating key ring: a signing-key source, a verification-key source and a JWKS source."""

    def __init__(
        self,
        client: Redis,
        store: KeyStore | None,
        *,
        policy: RotationPolicy | None = None,
        audit: IdentityAudit | None = None,
        ring_key: str = RING_KEY,
        cache_ttl_s: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._store = store
        self.policy = policy or RotationPolicy()
        self._audit = audit
        self._ring_key = ring_key
        self._cache_ttl = cache_ttl_s
        self._clock = clock
        self._cache: _Cache | None = None
        self._private: dict[str, SigningKey] = {}

    # Reading ------------------------------------------------------------------------------------------

    async def ring(self) -> list[KeyMeta]:
        """The ring as Redis holds it now (no cache)."""
        from redis.exceptions import RedisError

        try:
            raw = await self._client.get(self._ring_key)
        except (RedisError, OSError) as exc:
            raise IdentityUnavailable(f"the key ring cannot be read: {type(exc).__name__}") from None
        return _parse_ring(_as_bytes(raw))

    async def _cached(self) -> _Cache:
        now = time.monotonic()
        cache = self._cache
        if cache is not None and now - cache.read_at < self._cache_ttl:
            return cache
        ring = await self.ring()
        old = cache.keys if cache is not None else {}
        keys: dict[str, VerificationKey] = {}
        for meta in ring:
            known = old.get(meta.kid)
            try:
                keys[meta.kid] = known if known is not None else VerificationKey.from_jwk(meta.jwk)
            except KeyStoreError:
                raise IdentityUnavailable(f"the key ring holds an unusable key {meta.kid!r}") from None
        self._cache = _Cache(ring, keys, now)
        return self._cache

    def invalidate(self) -> None:
        self._cache = None

    async def verification_key(self, kid: str) -> VerificationKey | None:
        return (await self._cached()).keys.get(kid)

    async def jwks(self) -> dict[str, Any]:
        cache = await self._cached()
        return {"keys": [cache.keys[meta.kid].jwk() for meta in cache.ring]}

    async def signing_key(self) -> SigningKey:
        if self._store is None:
            raise IssueError("this key ring has no key store; it can verify but not sign")
        cache = await self._cached()
        active = [meta for meta in cache.ring if meta.state == "active"]
        if not active:
            raise IssueError("the key ring has no active key; run a rotation first")
        kid = active[0].kid
        key = self._private.get(kid)
        if key is None:
            key = await self._store.load(kid)
            if key.public().jwk() != cache.keys[kid].jwk():
                raise IdentityUnavailable(f"the stored private key {kid!r} does not match the published key")
            self._private = {kid: key}
        return key

    # Rotating -----------------------------------------------------------------------------------------

    async def rotate(
        self, *, force: bool = False, requester: str | None = None, correlation_id: str | None = None
    ) -> list[tuple[str, str]]:
        """Do the due steps; returns ``(event, kid)`` for each: ``created``, ``rescheduled``,
        ``activated``, ``retired``.

        ``force`` creates the next key now even if the period has not run out, or brings an already
        scheduled next key forward to ``now + grace_s`` (an operator rotating early, e.g. after a
        suspected key leak with ``grace_s=0``: also revoke the tokens, see the security runbook).
        """
        from redis.exceptions import RedisError, WatchError

        if self._store is None:
            raise IssueError("rotation needs a key store")
        for _ in range(_MAX_ATTEMPTS):
            created: SigningKey | None = None
            try:
                async with self._client.pipeline(transaction=True) as pipe:
                    await pipe.watch(self._ring_key)
                    raw = await pipe.get(self._ring_key)
                    ring = _parse_ring(_as_bytes(raw))
                    now = int(self._clock())
                    ring, steps, created = await self._plan(ring, now, force)
                    if not steps:
                        await pipe.unwatch()
                        return []
                    pipe.multi()
                    pipe.set(self._ring_key, _dump_ring(ring))
                    await pipe.execute()
            except WatchError:
                if created is not None:
                    await self._store.delete(created.kid)
                continue
            except (RedisError, OSError) as exc:
                if created is not None:
                    await self._store.delete(created.kid)
                raise IdentityUnavailable(f"the key ring cannot be updated: {type(exc).__name__}") from None
            self.invalidate()
            for event, kid in steps:
                if event == "retired":
                    await self._store.delete(kid)
            await self._record(steps, ring, now, requester, correlation_id)
            return steps
        raise IdentityUnavailable("the key ring kept changing under this rotation; try again")

    async def retire(
        self, kid: str, *, requester: str | None = None, correlation_id: str | None = None
    ) -> list[tuple[str, str]]:
        """Remove ``kid`` from the ring now (a leaked key): every token it signed is refused from the
        next ring read on (``unknown_kid``), and its private key is destroyed. Retiring the active key
        also activates the next key if there is one; otherwise run a rotation (no signing until then)."""
        from redis.exceptions import RedisError, WatchError

        check_kid(kid)
        for _ in range(_MAX_ATTEMPTS):
            try:
                async with self._client.pipeline(transaction=True) as pipe:
                    await pipe.watch(self._ring_key)
                    ring = _parse_ring(_as_bytes(await pipe.get(self._ring_key)))
                    now = int(self._clock())
                    if kid not in {meta.kid for meta in ring}:
                        await pipe.unwatch()
                        return []
                    was_active = any(m.kid == kid and m.state == "active" for m in ring)
                    ring = [m for m in ring if m.kid != kid]
                    steps = [("retired", kid)]
                    upcoming = next((m for m in ring if m.state == "next"), None)
                    if was_active and upcoming is not None:
                        promoted = replace(upcoming, state="active", activates_at=now)
                        ring = [promoted if m is upcoming else m for m in ring]
                        steps.append(("activated", upcoming.kid))
                    pipe.multi()
                    pipe.set(self._ring_key, _dump_ring(ring))
                    await pipe.execute()
            except WatchError:
                continue
            except (RedisError, OSError) as exc:
                raise IdentityUnavailable(f"the key ring cannot be updated: {type(exc).__name__}") from None
            self.invalidate()
            self._private.pop(kid, None)
            if self._store is not None:
                await self._store.delete(kid)
            await self._record(steps, ring, now, requester, correlation_id)
            return steps
        raise IdentityUnavailable("the key ring kept changing under this retirement; try again")

    async def _plan(
        self, ring: list[KeyMeta], now: int, force: bool
    ) -> tuple[list[KeyMeta], list[tuple[str, str]], SigningKey | None]:
        assert self._store is not None
        policy = self.policy
        steps: list[tuple[str, str]] = []
        created: SigningKey | None = None
        kept: list[KeyMeta] = []
        for meta in ring:
            if meta.state == "retiring" and meta.retires_at is not None and now >= meta.retires_at:
                steps.append(("retired", meta.kid))
            else:
                kept.append(meta)
        ring = kept
        active = next((m for m in ring if m.state == "active"), None)
        upcoming = next((m for m in ring if m.state == "next"), None)
        due = active is not None and now >= active.activates_at + policy.period_s - policy.grace_s
        if upcoming is None and (active is None or force or due):
            kid = f"k{now}-{secrets.token_hex(4)}"
            created = await self._store.create(kid, policy.algorithm)
            starts = now if active is None else now + policy.grace_s
            upcoming = KeyMeta(kid, created.algorithm, "next", now, starts, None, created.public().jwk())
            ring = [*ring, upcoming]
            steps.append(("created", kid))
        if force and upcoming is not None and upcoming.activates_at > now + policy.grace_s:
            # An operator rotating early brings a scheduled key forward to this run's grace period.
            upcoming = replace(upcoming, activates_at=now + policy.grace_s)
            ring = [upcoming if m.kid == upcoming.kid else m for m in ring]
            steps.append(("rescheduled", upcoming.kid))
        if upcoming is not None and now >= upcoming.activates_at:
            retire_at = now + policy.max_token_ttl_s + policy.leeway_s
            ring = [
                replace(m, state="retiring", retires_at=retire_at) if m.state == "active"
                else replace(m, state="active") if m.kid == upcoming.kid
                else m
                for m in ring
            ]
            steps.append(("activated", upcoming.kid))
        return ring, steps, created

    async def _record(
        self,
        steps: list[tuple[str, str]],
        ring: list[KeyMeta],
        now: int,
        requester: str | None,
        correlation_id: str | None,
    ) -> None:
        if self._audit is None:
            return
        from sentinel.runtime.identity.audit import (
            KEY_ACTIVATED,
            KEY_CREATED,
            KEY_RESCHEDULED,
            KEY_RETIRED,
            timestamp,
        )

        types = {
            "created": KEY_CREATED,
            "rescheduled": KEY_RESCHEDULED,
            "activated": KEY_ACTIVATED,
            "retired": KEY_RETIRED,
        }
        by_kid = {meta.kid: meta for meta in ring}
        for event, kid in steps:
            meta = by_kid.get(kid)
            payload: dict[str, Any] = {
                "kid": kid,
                "step": event,
                "algorithm": meta.alg if meta else None,
                "activates_at": timestamp(meta.activates_at) if meta else None,
                "retires_at": timestamp(meta.retires_at) if meta and meta.retires_at else None,
                "at": timestamp(now),
                "requester": requester,
            }
            await self._audit.emit(
                types[event], f"{kid}:{event}", payload, occurred_at=now, correlation_id=correlation_id
            )
