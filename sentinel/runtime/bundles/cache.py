"""The active constitution per tenant in Redis, ``constitution:{tenant}``, for gateways and token issuers.

The decision service writes the record after it activated a verified bundle; Redis only ever holds what
some service verified, and no service ever activates a bundle because of what Redis says (Redis holds a
hash, never policies). Readers keep a local copy for a short TTL; with Redis unreachable and no fresh
local copy they raise :class:`CacheUnavailable`, which a gateway turns into 503 (fail closed).

Value: RFC 8785 canonical JSON ``{"activated_at", "hash", "revision", "tenant"}``. The default pack (every
tenant without a pack of its own) is stored under the tenant name ``default``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sentinel.errors import SentinelError

if TYPE_CHECKING:
    from redis.asyncio import Redis

KEY_PREFIX = "constitution:"
DEFAULT_TENANT = "default"
TENANT_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
MAX_VALUE_BYTES = 4096
MAX_REVISION_CHARS = 1024


class CacheUnavailable(SentinelError):
    """Redis could not be read or written, or held a value that is not a constitution record."""


def check_tenant(tenant: str) -> str:
    """``tenant`` if it is a valid tenant id (it goes into a Redis key and a metric label)."""
    if not TENANT_PATTERN.fullmatch(tenant):
        raise ValueError("a tenant id is 1-128 characters of letters, digits, '.', '_' and '-'")
    return tenant


def cache_key(tenant: str) -> str:
    return KEY_PREFIX + check_tenant(tenant)


@dataclass(frozen=True)
class ConstitutionRecord:
    """The constitution a tenant is served: its hash, its revision and when it was activated."""

    tenant: str
    hash: str
    revision: str
    activated_at: datetime

    def to_json(self) -> bytes:
        import rfc8785

        return rfc8785.dumps(
            {
                "tenant": self.tenant,
                "hash": self.hash,
                "revision": self.revision,
                "activated_at": self.activated_at.isoformat(),
            }
        )

    @classmethod
    def from_json(cls, raw: bytes, tenant: str) -> ConstitutionRecord:
        """Parse and check a stored value; anything unexpected raises CacheUnavailable (never trusted)."""
        if len(raw) > MAX_VALUE_BYTES:
            raise CacheUnavailable(f"the value of {KEY_PREFIX}{tenant} is too large")
        try:
            value: Any = json.loads(raw)
            record = cls(
                tenant=value["tenant"],
                hash=value["hash"],
                revision=value["revision"],
                activated_at=datetime.fromisoformat(value["activated_at"]),
            )
        except (ValueError, TypeError, KeyError, UnicodeDecodeError):
            raise CacheUnavailable(
                f"the value of {KEY_PREFIX}{tenant} is not a constitution record"
            ) from None
        if (
            record.tenant != tenant
            or not isinstance(record.hash, str)
            or not _HEX64.fullmatch(record.hash)
            or not isinstance(record.revision, str)
            or len(record.revision) > MAX_REVISION_CHARS
            or record.activated_at.tzinfo is None
        ):
            raise CacheUnavailable(f"the value of {KEY_PREFIX}{tenant} is not a constitution record")
        return record


def connect(url: str, *, timeout: float = 2.0) -> Redis:
    """A redis-py asyncio client with short socket timeouts (a hung Redis must not hang a request)."""
    from redis.asyncio import Redis

    return Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30
    )


class ConstitutionCache:
    """Reads and writes ``constitution:{tenant}`` records; every Redis failure is CacheUnavailable."""

    def __init__(self, client: Redis) -> None:
        self._client = client

    async def write(self, record: ConstitutionRecord) -> None:
        from redis.exceptions import RedisError

        try:
            await self._client.set(cache_key(record.tenant), record.to_json())
        except (RedisError, OSError) as exc:
            raise CacheUnavailable(
                f"cannot write {KEY_PREFIX}{record.tenant}: {type(exc).__name__}"
            ) from None

    async def read(self, tenant: str) -> ConstitutionRecord | None:
        """The stored record, or None when the key does not exist."""
        from redis.exceptions import RedisError

        try:
            raw = await self._client.get(cache_key(tenant))
        except (RedisError, OSError) as exc:
            raise CacheUnavailable(f"cannot read {KEY_PREFIX}{tenant}: {type(exc).__name__}") from None
        if raw is None:
            return None
        return ConstitutionRecord.from_json(raw if isinstance(raw, bytes) else str(raw).encode(), tenant)

    async def close(self) -> None:
        await self._client.aclose()


@dataclass(frozen=True)
class _Entry:
    record: ConstitutionRecord | None
    expires: float


class ConstitutionReader:
    """A reader with a local copy per tenant, fresh for ``ttl`` seconds (gateways, token issuers).

    A tenant without a record of its own gets the ``default`` record, as the decider gives it the default
    pack. Local copies are bounded (``max_entries``; the oldest is dropped), so invented tenant names
    cannot grow memory without bound.
    """

    def __init__(
        self,
        cache: ConstitutionCache,
        *,
        ttl: float = 5.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        self._cache = cache
        self._ttl = ttl
        self._max_entries = max_entries
        self._clock = clock
        self._entries: dict[str, _Entry] = {}

    async def _lookup(self, tenant: str) -> ConstitutionRecord | None:
        now = self._clock()
        entry = self._entries.get(tenant)
        if entry is not None and entry.expires > now:
            return entry.record
        record = await self._cache.read(tenant)  # raises CacheUnavailable: no stale answer past the TTL
        self._entries.pop(tenant, None)
        while len(self._entries) >= self._max_entries:
            self._entries.pop(next(iter(self._entries)))
        self._entries[tenant] = _Entry(record, now + self._ttl)
        return record

    async def get(self, tenant: str) -> ConstitutionRecord | None:
        """The constitution ``tenant`` is served, or None if no service has activated one for it."""
        check_tenant(tenant)
        record = await self._lookup(tenant)
        if record is None and tenant != DEFAULT_TENANT:
            record = await self._lookup(DEFAULT_TENANT)
        return record

    def invalidate(self, tenant: str | None = None) -> None:
        """Forget the local copy of ``tenant`` (all of them with None), e.g. on ``constitution.updated``."""
        if tenant is None:
            self._entries.clear()
        else:
            self._entries.pop(tenant, None)
