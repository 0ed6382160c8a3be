"""Verification keys from a remote JWKS (``GET /.well-known/jwks.json`` of the identity service).

For verifiers without access to the key ring in Redis. The document is cached for ``ttl_s`` (keep it
below the rotation's grace period, so a new key is known before it signs). A kid not in the cache
triggers one refetch, at most every ``min_refresh_s`` (invented kids cannot make a request per token).
When the JWKS cannot be fetched, the last good copy is used until ``max_stale_s``; after that, or
with no copy at all, IdentityUnavailable (the verifier's ``unavailable``: nothing passes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from sentinel.runtime.identity.errors import IdentityUnavailable, KeyStoreError
from sentinel.runtime.identity.keys import VerificationKey, load_jwks

if TYPE_CHECKING:
    import httpx

MAX_JWKS_BYTES = 256 * 1024


class JwksClient:
    """A :class:`VerificationKeySource` over HTTP(S); ``http`` is the caller's httpx client (timeouts)."""

    def __init__(
        self,
        url: str,
        http: httpx.AsyncClient,
        *,
        ttl_s: float = 60.0,
        min_refresh_s: float = 5.0,
        max_stale_s: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._http = http
        self._ttl = ttl_s
        self._min_refresh = min_refresh_s
        self._max_stale = max_stale_s
        self._clock = clock
        self._keys: dict[str, VerificationKey] | None = None
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")

    async def _fetch(self) -> dict[str, VerificationKey]:
        import httpx

        try:
            async with self._http.stream("GET", self.url, headers={"Accept": "application/json"}) as response:
                if response.status_code != 200:
                    raise IdentityUnavailable(f"the JWKS answered HTTP {response.status_code}")
                body = b""
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_JWKS_BYTES:
                        raise IdentityUnavailable(f"the JWKS is larger than {MAX_JWKS_BYTES} bytes")
        except httpx.HTTPError as exc:
            raise IdentityUnavailable(f"the JWKS cannot be fetched: {type(exc).__name__}") from None
        try:
            return {key.kid: key for key in load_jwks(body)}
        except KeyStoreError as exc:
            raise IdentityUnavailable(f"the JWKS is not usable: {exc.message}") from None

    async def _refresh(self) -> None:
        now = self._clock()
        self._attempted_at = now
        try:
            self._keys = await self._fetch()
            self._fetched_at = now
        except IdentityUnavailable:
            if self._keys is None or now - self._fetched_at > self._max_stale:
                raise

    async def _current(self, now: float) -> dict[str, VerificationKey]:
        if self._keys is not None and now - self._fetched_at < self._ttl:
            return self._keys
        if now - self._attempted_at >= self._min_refresh:
            await self._refresh()
        if self._keys is None or now - self._fetched_at > self._max_stale:
            raise IdentityUnavailable("no usable copy of the JWKS (it cannot be fetched)")
        return self._keys

    async def verification_key(self, kid: str) -> VerificationKey | None:
        now = self._clock()
        keys = await self._current(now)
        key = keys.get(kid)
        if key is None and now - self._attempted_at >= self._min_refresh:
            await self._refresh()
            key = self._keys.get(kid) if self._keys is not None else None
        return key
