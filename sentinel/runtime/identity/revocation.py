"""The ``jti`` deny-list in Redis: ``SET sentinel:identity:revoked:{jti} 1 EX <remaining life>``.

The key expires when the token would have expired anyway (plus the verifier's leeway), so the list
never grows past the tokens still alive. Every check reads Redis (no local copy): a revocation is
effective for the next request on every instance. Any Redis failure raises IdentityUnavailable, which
verifiers turn into the ``unavailable`` reason (a gateway answers 503, nothing passes).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from sentinel.runtime.identity.errors import IdentityUnavailable

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from sentinel.runtime.identity.audit import IdentityAudit

KEY_PREFIX = "sentinel:identity:revoked:"
JTI_PATTERN = re.compile(r"[A-Za-z0-9._~-]{1,128}")


def valid_jti(jti: object) -> bool:
    return isinstance(jti, str) and JTI_PATTERN.fullmatch(jti) is not None


class Revocations:
    """Revoke a token id until its expiry; ask whether one is revoked."""

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = KEY_PREFIX,
        leeway_s: int = 60,
        audit: IdentityAudit | None = None,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._leeway_s = leeway_s
        self._audit = audit

    def _key(self, jti: str) -> str:
        if not valid_jti(jti):
            raise ValueError("a jti is 1-128 characters of letters, digits, '.', '_', '~' and '-'")
        return self._prefix + jti

    async def revoke(
        self,
        jti: str,
        expires_at: float,
        *,
        now: float,
        requester: str | None = None,
        correlation_id: str | None = None,
    ) -> int:
        """Deny ``jti`` until ``expires_at`` (+ leeway) and record the receipt; returns the TTL in seconds.

        The deny-list entry is written first: if the receipt then fails, the token stays revoked and
        the IdentityUnavailable raised says the audit is missing."""
        from redis.exceptions import RedisError

        ttl = max(1, math.ceil(expires_at - now) + self._leeway_s)
        try:
            await self._client.set(self._key(jti), b"1", ex=ttl)
        except (RedisError, OSError) as exc:
            raise IdentityUnavailable(f"the revocation was not stored: {type(exc).__name__}") from None
        if self._audit is not None:
            from sentinel.runtime.identity.audit import TOKEN_REVOKED, timestamp

            await self._audit.emit(
                TOKEN_REVOKED,
                f"revoke:{jti}",
                {
                    "jti": jti,
                    "revoked_at": timestamp(now),
                    "expires_at": timestamp(expires_at),
                    "requester": requester,
                },
                occurred_at=now,
                correlation_id=correlation_id,
            )
        return ttl

    async def is_revoked(self, jti: str) -> bool:
        from redis.exceptions import RedisError

        try:
            return bool(await self._client.exists(self._key(jti)))
        except (RedisError, OSError) as exc:
            raise IdentityUnavailable(f"the revocation list cannot be read: {type(exc).__name__}") from None
