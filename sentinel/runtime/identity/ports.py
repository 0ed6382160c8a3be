"""What issuers and verifiers need: signing keys, verification keys by kid, the active constitution.

``StaticKeys`` serves a fixed set (the CLI, tests, a service without rotation); ``KeyRotation`` serves
the Redis-backed rotating ring. ``ReaderConstitution`` adapts the bundles' ``ConstitutionReader``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from sentinel.runtime.identity.errors import IdentityUnavailable, IssueError
from sentinel.runtime.identity.keys import SigningKey, VerificationKey

if TYPE_CHECKING:
    from sentinel.runtime.bundles.cache import ConstitutionReader


class SigningKeySource(Protocol):
    async def signing_key(self) -> SigningKey:
        """The key to sign with now; IssueError when there is none, IdentityUnavailable on I/O errors."""
        ...


class VerificationKeySource(Protocol):
    async def verification_key(self, kid: str) -> VerificationKey | None:
        """The trusted key of a (validated) kid, or None; IdentityUnavailable on I/O errors."""
        ...


class JwksSource(Protocol):
    async def jwks(self) -> dict[str, Any]:
        """``{"keys": [public JWK, ...]}``: every key a token may currently be signed with."""
        ...


class ConstitutionSource(Protocol):
    async def active_hash(self, tenant: str) -> str | None:
        """The tenant's active constitution hash, None when none is active; IdentityUnavailable on errors."""
        ...


class StaticKeys:
    """A fixed key set: optionally one signing key, any number of verification keys."""

    def __init__(
        self, signing: SigningKey | None = None, verification: Iterable[VerificationKey] = ()
    ) -> None:
        self._signing = signing
        table: dict[str, VerificationKey] = {}
        if signing is not None:
            table[signing.kid] = signing.public()
        for key in verification:
            table[key.kid] = key
        self._keys: Mapping[str, VerificationKey] = table

    async def signing_key(self) -> SigningKey:
        if self._signing is None:
            raise IssueError("no signing key is configured")
        return self._signing

    async def verification_key(self, kid: str) -> VerificationKey | None:
        return self._keys.get(kid)

    async def jwks(self) -> dict[str, Any]:
        return {"keys": [key.jwk() for key in self._keys.values()]}


class FixedConstitution:
    """Every tenant's active hash from a mapping (``"default"`` for tenants not listed)."""

    def __init__(self, hashes: Mapping[str, str]) -> None:
        self._hashes = dict(hashes)

    async def active_hash(self, tenant: str) -> str | None:
        return self._hashes.get(tenant, self._hashes.get("default"))


class ReaderConstitution:
    """The active hash from Redis ``constitution:{tenant}`` through the bundles' reader (fail closed)."""

    def __init__(self, reader: ConstitutionReader) -> None:
        self._reader = reader

    async def active_hash(self, tenant: str) -> str | None:
        from sentinel.runtime.bundles.cache import CacheUnavailable

        try:
            record = await self._reader.get(tenant)
        except CacheUnavailable as exc:
            raise IdentityUnavailable(f"the active constitution cannot be read: {exc.message}") from None
        except ValueError:
            return None
        return record.hash if record is not None else None
