"""The training-mode lock in Redis: one holder per tenant, ``training:{tenant}``.

Acquire is ``SET key value NX PX ttl``; renew and release are Lua scripts that act only when the stored value
is still the caller's (compare-and-pexpire, compare-and-delete), so a holder whose lease expired cannot
extend or free the next holder's lock. The TTL frees the lock of a holder that crashed. The value is RFC 8785
JSON ``{"owner", "token"}``: the owner names who holds it, the random token proves a lease is this one.
Every Redis failure raises :class:`TrainingUnavailable` (callers fail closed).
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sentinel.errors import SentinelError

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.commands.core import AsyncScript

KEY_PREFIX = "training:"
DEFAULT_TTL_MS = 30_000
MAX_TTL_MS = 24 * 3600 * 1000
MAX_VALUE_BYTES = 1024
_TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class TrainingUnavailable(SentinelError):
    """Redis could not be reached, or holds a value that is not a lock record."""


def lock_key(tenant: str) -> str:
    if not _TENANT.fullmatch(tenant):
        raise ValueError("a tenant id is 1-128 characters of letters, digits, '.', '_' and '-'")
    return KEY_PREFIX + tenant


@dataclass(frozen=True)
class Lease:
    """A held lock: renew and release need it (``token`` is the proof, never logged)."""

    tenant: str
    owner: str
    token: str = field(repr=False)
    ttl_ms: int

    @property
    def value(self) -> bytes:
        import rfc8785

        return rfc8785.dumps({"owner": self.owner, "token": self.token})


class TrainingLock:
    """Acquire, renew, release and read the per-tenant lock; see the module docstring."""

    def __init__(self, client: Redis, *, ttl_ms: int = DEFAULT_TTL_MS) -> None:
        if not 0 < ttl_ms <= MAX_TTL_MS:
            raise ValueError(f"the lock TTL is 1-{MAX_TTL_MS} ms")
        self._client = client
        self.ttl_ms = ttl_ms
        self._renew: AsyncScript = client.register_script(_RENEW)
        self._release: AsyncScript = client.register_script(_RELEASE)

    async def acquire(self, tenant: str, owner: str) -> Lease | None:
        """A lease when the lock was free, None when someone holds it."""
        from redis.exceptions import RedisError

        if not owner or len(owner) > 256 or not owner.isprintable():
            raise ValueError("an owner is 1-256 printable characters")
        lease = Lease(tenant, owner, secrets.token_urlsafe(24), self.ttl_ms)
        try:
            taken = await self._client.set(lock_key(tenant), lease.value, nx=True, px=self.ttl_ms)
        except (RedisError, OSError) as exc:
            raise TrainingUnavailable(f"cannot take {KEY_PREFIX}{tenant}: {type(exc).__name__}") from None
        return lease if taken else None

    async def renew(self, lease: Lease) -> bool:
        """Extend the lease by the TTL; False when it was lost (expired, or another holder now)."""
        from redis.exceptions import RedisError

        try:
            result = await self._renew(keys=[lock_key(lease.tenant)], args=[lease.value, lease.ttl_ms])
        except (RedisError, OSError) as exc:
            raise TrainingUnavailable(
                f"cannot renew {KEY_PREFIX}{lease.tenant}: {type(exc).__name__}"
            ) from None
        return bool(result)

    async def release(self, lease: Lease) -> bool:
        """Free the lock if this lease still holds it; False when it did not."""
        from redis.exceptions import RedisError

        try:
            result = await self._release(keys=[lock_key(lease.tenant)], args=[lease.value])
        except (RedisError, OSError) as exc:
            raise TrainingUnavailable(
                f"cannot release {KEY_PREFIX}{lease.tenant}: {type(exc).__name__}"
            ) from None
        return bool(result)

    async def holder(self, tenant: str) -> str | None:
        """Who holds the lock now (None when free)."""
        from redis.exceptions import RedisError

        try:
            raw = await self._client.get(lock_key(tenant))
        except (RedisError, OSError) as exc:
            raise TrainingUnavailable(f"cannot read {KEY_PREFIX}{tenant}: {type(exc).__name__}") from None
        if raw is None:
            return None
        try:
            if len(raw) > MAX_VALUE_BYTES:
                raise ValueError
            owner = json.loads(raw)["owner"]
            if not isinstance(owner, str):
                raise ValueError
        except (ValueError, TypeError, KeyError):
            raise TrainingUnavailable(f"the value of {KEY_PREFIX}{tenant} is not a lock record") from None
        return owner
