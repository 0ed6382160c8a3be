"""Issuing and verifying scoped, short-lived JWTs.

Verification parses the compact token itself before PyJWT's algorithm object checks the signature, so
every refusal has its own reason and nothing in the header chooses how the token is checked:

1. size (``too_large``) and shape (``malformed``): three base64url segments;
2. header: strict UTF-8 (``invalid_utf8``), JSON without duplicate members (``duplicate_claim``);
   ``alg: none`` (``alg_none``); ``jku``/``x5u``/``jwk``/``x5c``/``x5t`` (``header_injection``); any
   other member than ``alg``, ``kid``, ``typ`` (``unsupported_header``); a kid outside the strict
   charset (``bad_kid``) or not trusted (``unknown_kid``); an ``alg`` other than the key's pinned one
   (``alg_mismatch``: HS256 signed with the public key as the secret ends here);
3. the signature, with the key's own algorithm (``bad_signature``);
4. the payload: UTF-8, no duplicate claims, types and sizes (``bad_claim``), ``iss``, ``aud``, ``exp``,
   ``nbf``/``iat`` with a small leeway, the lifetime bound, the ``jti`` deny-list (``revoked``) and the
   tenant's active constitution (``constitution_mismatch``, or a ``constitution_stale`` result in
   ``re-evaluate`` mode).

A check that cannot be made (Redis, the constitution source) is ``unavailable``: never an allow.

Verified-signature cache: once steps 1-3 and the payload's shape checks pass, the parsed claims are kept
under the SHA-256 of the exact token text (per verifier, bounded LRU, each entry living at most
``min(exp + leeway, now + cache_ttl_s)``). A hit skips only the parsing and the signature: it still asks
the key source whether the token's kid is trusted with the same key (an entry whose key was retired or
replaced is dropped, with every other entry of that kid, and the token is verified afresh), and repeats
every time- or state-dependent check of step 4: issuer, audience, ``exp``/``nbf`` against the clock,
the lifetime bound, the deny-list, the tenant's active constitution. Nothing is cached for a refusal.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import math
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from sentinel.runtime.identity import errors as e
from sentinel.runtime.identity.errors import IdentityUnavailable, IssueError, TokenError
from sentinel.runtime.identity.keys import VerificationKey, valid_kid
from sentinel.runtime.identity.revocation import valid_jti

if TYPE_CHECKING:
    from sentinel.runtime.identity.audit import IdentityAudit
    from sentinel.runtime.identity.ports import ConstitutionSource, SigningKeySource, VerificationKeySource
    from sentinel.runtime.identity.revocation import Revocations

MAX_TOKEN_BYTES = 8 * 1024
DEFAULT_TTL_S = 300
MAX_TTL_S = 3600
DEFAULT_LEEWAY_S = 5
DEFAULT_TENANT = "default"
DEFAULT_CACHE_SIZE = 10_000
DEFAULT_CACHE_TTL_S = 30.0
ConstitutionPolicy = Literal["reject", "re-evaluate"]

_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")
_INJECTION_HEADERS = frozenset({"jku", "x5u", "jwk", "x5c", "x5t", "x5t#S256"})
_ALLOWED_HEADERS = frozenset({"alg", "kid", "typ"})
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,128}")  # RFC 6749 scope-token
_TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_HASH = re.compile(r"[0-9a-f]{64}")
_CORRELATION = re.compile(r"[A-Za-z0-9._:/@+=-]{1,200}")
_MAX_TEXT = 256
_MAX_SCOPES = 64
_MAX_AUDIENCES = 16


@dataclass(frozen=True)
class Claims:
    """A verified token's claims. ``aud`` is the audience it was verified for; ``raw`` holds every claim.

    ``constitution_stale`` is True only in ``re-evaluate`` mode, when the token names another
    constitution than the tenant's active one: the caller must decide the request again before use.
    """

    sub: str
    aud: str
    scope: tuple[str, ...]
    tenant: str | None
    jti: str
    iat: int
    nbf: int
    exp: int
    constitution_hash: str | None
    iss: str = ""
    kid: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    constitution_stale: bool = False


@dataclass(frozen=True)
class IssuedToken:
    token: str = field(repr=False)
    claims: Claims


def _printable(value: object, name: str, limit: int = _MAX_TEXT) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= limit or not value.isprintable():
        raise IssueError(f"{name} must be 1-{limit} printable characters")
    return value


def check_scopes(scope: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Scope tokens (RFC 6749 charset), from a space-separated string or a sequence; duplicates dropped."""
    items = scope.split(" ") if isinstance(scope, str) else list(scope)
    items = [item for item in items if item != ""]
    if len(items) > _MAX_SCOPES or not all(isinstance(i, str) and _SCOPE_TOKEN.fullmatch(i) for i in items):
        raise IssueError(
            f"a scope is at most {_MAX_SCOPES} tokens of printable ASCII without spaces, '\"' or '\\'"
        )
    return tuple(dict.fromkeys(items))


class TokenIssuer:
    """Mints tokens signed with the source's current key; each issue emits an ``identity.audit`` receipt."""

    def __init__(
        self,
        keys: SigningKeySource,
        *,
        issuer: str = "sentinel",
        default_ttl_s: int = DEFAULT_TTL_S,
        max_ttl_s: int = MAX_TTL_S,
        constitution: ConstitutionSource | None = None,
        audit: IdentityAudit | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not 0 < default_ttl_s <= max_ttl_s:
            raise IssueError("the default token lifetime must be positive and at most the maximum")
        self._keys = keys
        self.issuer = _printable(issuer, "the issuer")
        self.default_ttl_s = default_ttl_s
        self.max_ttl_s = max_ttl_s
        self._constitution = constitution
        self._audit = audit
        self._clock = clock

    async def issue(
        self,
        *,
        sub: str,
        aud: str,
        scope: str | tuple[str, ...] | list[str] = (),
        tenant: str | None = None,
        ttl_s: int | None = None,
        requester: str | None = None,
        correlation_id: str | None = None,
    ) -> str:
        issued = await self.mint(
            sub=sub, aud=aud, scope=scope, tenant=tenant, ttl_s=ttl_s, requester=requester,
            correlation_id=correlation_id,
        )
        return issued.token

    async def mint(
        self,
        *,
        sub: str,
        aud: str,
        scope: str | tuple[str, ...] | list[str] = (),
        tenant: str | None = None,
        ttl_s: int | None = None,
        requester: str | None = None,
        correlation_id: str | None = None,
    ) -> IssuedToken:
        """The token and its claims. IssueError for a bad request, IdentityUnavailable when the key, the
        constitution or the audit receipt cannot be had (no token is returned without its receipt)."""
        import jwt

        _printable(sub, "sub")
        _printable(aud, "aud")
        scopes = check_scopes(scope)
        if tenant is not None and not _TENANT.fullmatch(tenant):
            raise IssueError("a tenant id is 1-128 characters of letters, digits, '.', '_' and '-'")
        ttl = self.default_ttl_s if ttl_s is None else ttl_s
        if isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 < ttl <= self.max_ttl_s:
            raise IssueError(f"the token lifetime must be 1-{self.max_ttl_s} seconds")
        if requester is not None:
            _printable(requester, "requester")
        if correlation_id is not None and not _CORRELATION.fullmatch(correlation_id):
            raise IssueError("a correlation id is 1-200 characters of letters, digits and ._:/@+=-")
        constitution_hash = None
        if self._constitution is not None:
            constitution_hash = await self._constitution.active_hash(tenant or DEFAULT_TENANT)
            if constitution_hash is None:
                raise IssueError(f"no constitution is active for tenant {tenant or DEFAULT_TENANT!r}")
        key = await self._keys.signing_key()
        now = int(self._clock())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": sub,
            "aud": aud,
            "iat": now,
            "nbf": now,
            "exp": now + ttl,
            "jti": secrets.token_urlsafe(16),
            "scope": " ".join(scopes),
        }
        if tenant is not None:
            claims["tenant"] = tenant
        if constitution_hash is not None:
            claims["constitution_hash"] = constitution_hash
        headers = {"kid": key.kid, "typ": "JWT"}
        token = jwt.encode(claims, key.private_key, algorithm=key.algorithm, headers=headers)
        if self._audit is not None:
            from sentinel.runtime.identity.audit import TOKEN_ISSUED, timestamp

            await self._audit.emit(
                TOKEN_ISSUED,
                claims["jti"],
                {
                    "scope": list(scopes),
                    "audience": aud,
                    "subject": sub,
                    "tenant": tenant,
                    "kid": key.kid,
                    "jti": claims["jti"],
                    "constitution_hash": constitution_hash,
                    "issued_at": timestamp(now),
                    "expires_at": timestamp(now + ttl),
                    "requester": requester,
                },
                occurred_at=now,
                correlation_id=correlation_id,
                aggregate_id=tenant,
            )
        return IssuedToken(token, _claims_of(claims, aud, key.kid, stale=False))


def _claims_of(claims: Mapping[str, Any], audience: str, kid: str, *, stale: bool) -> Claims:
    scope = claims.get("scope", "")
    return Claims(
        sub=claims["sub"],
        aud=audience,
        scope=tuple(s for s in scope.split(" ") if s),
        tenant=claims.get("tenant"),
        jti=claims["jti"],
        iat=int(claims["iat"]),
        nbf=int(claims["nbf"]),
        exp=int(claims["exp"]),
        constitution_hash=claims.get("constitution_hash"),
        iss=claims["iss"],
        kid=kid,
        raw=dict(claims),
        constitution_stale=stale,
    )


class _Duplicate(Exception):
    pass


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Duplicate
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def _decode_segment(segment: str, what: str) -> bytes:
    if not _SEGMENT.fullmatch(segment) or len(segment) % 4 == 1:
        raise TokenError(e.MALFORMED, f"the token {what} is not base64url")
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise TokenError(e.MALFORMED, f"the token {what} is not base64url") from None


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TokenError(e.INVALID_UTF8, f"the token {what} is not valid UTF-8") from None
    try:
        value = json.loads(text, object_pairs_hook=_unique_members, parse_constant=_reject_constant)
    except _Duplicate:
        raise TokenError(e.DUPLICATE_CLAIM, f"the token {what} names a member twice") from None
    except (ValueError, RecursionError):
        raise TokenError(e.MALFORMED, f"the token {what} is not JSON") from None
    if not isinstance(value, dict):
        raise TokenError(e.MALFORMED, f"the token {what} is not a JSON object")
    # Strict UTF-8 decoding leaves no surrogates; only a \u escape can make one.
    try:
        lone_surrogate = "\\u" in text and _has_lone_surrogate(value)
    except RecursionError:
        raise TokenError(e.MALFORMED, f"the token {what} nests too deeply") from None
    if lone_surrogate:
        raise TokenError(e.INVALID_UTF8, f"the token {what} escapes a lone UTF-16 surrogate")
    return value


def unverified_part(segment: str, what: str) -> dict[str, Any]:
    """A header or payload segment as a JSON object, WITHOUT any verification (operator tools only)."""
    return _json_object(_decode_segment(segment, what), what)


def _numeric_date(claims: Mapping[str, Any], name: str) -> int:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TokenError(e.BAD_CLAIM, f"claim {name!r} must be a NumericDate")
    if not 0 <= value < 2**40:
        raise TokenError(e.BAD_CLAIM, f"claim {name!r} is out of range")
    return int(value)


def _text_claim(claims: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    value = claims.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not 0 < len(value) <= _MAX_TEXT or not value.isprintable():
        raise TokenError(e.BAD_CLAIM, f"claim {name!r} must be 1-{_MAX_TEXT} printable characters")
    return value


_SCALAR_TYPES = (str, int, float, bool, type(None))


def _copy_claims(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A caller's own copy of cached claims: nested JSON values are copied so no caller can alter a hit."""
    return {k: v if isinstance(v, _SCALAR_TYPES) else copy.deepcopy(v) for k, v in raw.items()}


@dataclass(frozen=True)
class CacheStats:
    """The verified-signature cache: ``hits`` are lookups that found a live entry."""

    hits: int
    misses: int
    entries: int


@dataclass(frozen=True)
class _Verified:
    """What the signature and the shape checks established about one token (shared by cache hits)."""

    key: VerificationKey
    iss: str
    sub: str
    scope: tuple[str, ...]
    tenant: str | None
    jti: str
    iat: int
    nbf: int
    exp: int
    constitution_hash: str | None
    audiences: tuple[str, ...]
    raw: Mapping[str, Any] = field(repr=False)


class _VerifiedCache:
    """A bounded LRU of verified tokens by SHA-256 of the token text, each with a deadline, indexed by kid
    so a retired key's entries go together. A lock keeps it consistent across threads; no await inside.

    Hand-written rather than ``cachetools.TLRUCache``: the per-kid index and the injected clock need
    hooks on every insert and eviction, and the runtime extra does not depend on cachetools."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[bytes, tuple[_Verified, float]] = OrderedDict()
        self._by_kid: dict[str, set[bytes]] = {}
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def get(self, digest: bytes, now: float) -> _Verified | None:
        with self._lock:
            slot = self._entries.get(digest)
            if slot is not None and now < slot[1]:
                self._entries.move_to_end(digest)
                self._hits += 1
                return slot[0]
            if slot is not None:
                self._remove(digest)
            self._misses += 1
            return None

    def put(self, digest: bytes, verified: _Verified, until: float) -> None:
        with self._lock:
            self._remove(digest)
            self._entries[digest] = (verified, until)
            self._by_kid.setdefault(verified.key.kid, set()).add(digest)
            while len(self._entries) > self._size:
                self._remove(next(iter(self._entries)))

    def drop_kid(self, kid: str) -> None:
        with self._lock:
            for digest in self._by_kid.pop(kid, set()):
                self._entries.pop(digest, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._by_kid.clear()

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self._hits, self._misses, len(self._entries))

    def _remove(self, digest: bytes) -> None:
        slot = self._entries.pop(digest, None)
        if slot is None:
            return
        kid = slot[0].key.kid
        digests = self._by_kid.get(kid)
        if digests is not None:
            digests.discard(digest)
            if not digests:
                del self._by_kid[kid]


class TokenVerifier:
    """Verifies tokens for one issuer; see the module docstring for the order of checks and the cache.

    ``cache_size`` bounds the verified-signature cache (0 turns it off); ``cache_ttl_s`` bounds how long
    an entry lives (never past the token's ``exp`` plus the leeway)."""

    def __init__(
        self,
        keys: VerificationKeySource,
        *,
        issuer: str = "sentinel",
        revocations: Revocations | None = None,
        constitution: ConstitutionSource | None = None,
        on_constitution_change: ConstitutionPolicy = "reject",
        leeway_s: int = DEFAULT_LEEWAY_S,
        max_ttl_s: int = MAX_TTL_S,
        max_token_bytes: int = MAX_TOKEN_BYTES,
        clock: Callable[[], float] = time.time,
        cache_size: int = DEFAULT_CACHE_SIZE,
        cache_ttl_s: float = DEFAULT_CACHE_TTL_S,
    ) -> None:
        if on_constitution_change not in ("reject", "re-evaluate"):
            raise ValueError("on_constitution_change is 'reject' or 're-evaluate'")
        if leeway_s < 0 or leeway_s > 300:
            raise ValueError("the leeway is 0-300 seconds")
        if cache_size < 0 or not 0 < cache_ttl_s <= 3600:
            raise ValueError("the cache size is 0 or more and its TTL 0-3600 seconds")
        self._keys = keys
        self.issuer = issuer
        self._revocations = revocations
        self._constitution = constitution
        self._policy = on_constitution_change
        self._leeway = leeway_s
        self._max_ttl = max_ttl_s
        self._max_bytes = max_token_bytes
        self._clock = clock
        self._cache = _VerifiedCache(cache_size) if cache_size > 0 else None
        self._cache_ttl = cache_ttl_s

    def cache_stats(self) -> CacheStats:
        return self._cache.stats() if self._cache is not None else CacheStats(0, 0, 0)

    def clear_cache(self) -> None:
        """Forget every verified signature (the next use of each token is verified in full)."""
        if self._cache is not None:
            self._cache.clear()

    async def verify(self, token: str, *, audience: str) -> Claims:
        """The token's claims; TokenError with a reason code for every refusal (never an allow)."""
        if not isinstance(token, str):
            raise TokenError(e.MALFORMED, "the token is not a string")
        if len(token) > self._max_bytes:
            raise TokenError(e.TOO_LARGE, f"the token is longer than {self._max_bytes} bytes")
        if not token.isascii():
            raise TokenError(e.MALFORMED, "the token holds non-ASCII characters")
        cache = self._cache
        digest = b""
        if cache is not None:
            digest = hashlib.sha256(token.encode("ascii")).digest()
            cached = cache.get(digest, self._clock())
            if cached is not None and await self._still_trusted(cache, cached):
                return await self._check_state(cached, audience)
        verified = await self._verify_signed(token)
        claims = await self._check_state(verified, audience)
        if cache is not None:
            cache.put(digest, verified, min(verified.exp + self._leeway, self._clock() + self._cache_ttl))
        return claims

    def _signature_valid(self, key: VerificationKey, signing_input: bytes, signature: bytes) -> bool:
        """Whether ``signature`` verifies; a failure inside the crypto library is a refusal."""
        try:
            return key.verify(signing_input, signature)
        except Exception:
            return False

    async def _still_trusted(self, cache: _VerifiedCache, verified: _Verified) -> bool:
        """Whether the key that verified a cached token is still trusted for its kid; if not, the kid's
        entries are dropped (the token is then verified afresh and refused with the precise reason)."""
        try:
            current = await self._keys.verification_key(verified.key.kid)
        except IdentityUnavailable as exc:
            raise TokenError(e.UNAVAILABLE, exc.message) from None
        if current is verified.key or current == verified.key:
            return True
        cache.drop_kid(verified.key.kid)
        return False

    async def _verify_signed(self, token: str) -> _Verified:
        parts = token.split(".")
        if len(parts) != 3:
            raise TokenError(e.MALFORMED, "the token is not a compact JWS (three segments)")
        header_part, payload_part, signature_part = parts
        header = _json_object(_decode_segment(header_part, "header"), "header")
        key = await self._key_for(header)
        signature = _decode_segment(signature_part, "signature")
        if not self._signature_valid(key, f"{header_part}.{payload_part}".encode("ascii"), signature):
            raise TokenError(e.BAD_SIGNATURE, f"the signature does not verify with key {key.kid!r}")
        claims = _json_object(_decode_segment(payload_part, "payload"), "payload")
        return self._check_shape(claims, key)

    async def _key_for(self, header: Mapping[str, Any]) -> VerificationKey:
        alg = header.get("alg")
        if not isinstance(alg, str):
            raise TokenError(e.MALFORMED, "the token header names no algorithm")
        if alg.strip().lower() == "none":
            raise TokenError(e.ALG_NONE, "the token is unsigned (alg 'none')")
        injected = sorted(_INJECTION_HEADERS.intersection(header))
        if injected:
            raise TokenError(e.HEADER_INJECTION, f"the token header carries {', '.join(injected)}; keys come "
                             "only from the trusted key set")
        if not _ALLOWED_HEADERS.issuperset(header):
            raise TokenError(e.UNSUPPORTED_HEADER, "the token header has members other than alg, kid and typ")
        typ = header.get("typ")
        if typ is not None and (not isinstance(typ, str) or typ.upper() != "JWT"):
            raise TokenError(e.MALFORMED, "the token header's typ is not JWT")
        kid = header.get("kid")
        if not valid_kid(kid):
            raise TokenError(e.BAD_KID, "the token's kid is missing or not 1-64 letters, digits, '._-'")
        assert isinstance(kid, str)
        try:
            key = await self._keys.verification_key(kid)
        except IdentityUnavailable as exc:
            raise TokenError(e.UNAVAILABLE, exc.message) from None
        if key is None:
            raise TokenError(e.UNKNOWN_KID, f"no trusted key has id {kid!r}")
        if alg != key.algorithm:
            raise TokenError(e.ALG_MISMATCH, f"the token says {alg[:20]!r} but key {kid!r} is pinned to "
                             f"{key.algorithm}")
        return key

    def _check_shape(self, claims: dict[str, Any], key: VerificationKey) -> _Verified:
        """The payload's types, sizes and issuer: what cannot change while the token lives."""
        iss = _text_claim(claims, "iss", required=True)
        sub = _text_claim(claims, "sub", required=True)
        tenant = _text_claim(claims, "tenant", required=False)
        if tenant is not None and not _TENANT.fullmatch(tenant):
            raise TokenError(e.BAD_CLAIM, "claim 'tenant' is not a tenant id")
        jti = claims.get("jti")
        if not valid_jti(jti):
            raise TokenError(e.BAD_CLAIM, "claim 'jti' must be 1-128 letters, digits, '.', '_', '~', '-'")
        scope = claims.get("scope", "")
        if not isinstance(scope, str) or len(scope) > 4096:
            raise TokenError(e.BAD_CLAIM, "claim 'scope' must be a space-separated string")
        try:
            check_scopes(scope)
        except IssueError:
            raise TokenError(e.BAD_CLAIM, "claim 'scope' holds a token outside RFC 6749's charset") from None
        constitution_hash = claims.get("constitution_hash")
        if constitution_hash is not None and (
            not isinstance(constitution_hash, str) or not _HASH.fullmatch(constitution_hash)
        ):
            raise TokenError(e.BAD_CLAIM, "claim 'constitution_hash' must be 64 lowercase hex digits")
        exp, nbf, iat = (_numeric_date(claims, name) for name in ("exp", "nbf", "iat"))
        if iss != self.issuer:
            raise TokenError(e.WRONG_ISSUER, "the token was issued by another issuer")
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud
        if (
            not isinstance(audiences, list)
            or not 0 < len(audiences) <= _MAX_AUDIENCES
            or not all(isinstance(a, str) for a in audiences)
        ):
            raise TokenError(e.BAD_CLAIM, "claim 'aud' must be a string or a list of strings")
        assert isinstance(iss, str) and isinstance(sub, str) and isinstance(jti, str)
        return _Verified(
            key=key,
            iss=iss,
            sub=sub,
            scope=tuple(s for s in scope.split(" ") if s),
            tenant=tenant,
            jti=jti,
            iat=iat,
            nbf=nbf,
            exp=exp,
            constitution_hash=constitution_hash,
            audiences=tuple(audiences),
            raw=claims,
        )

    async def _check_state(self, verified: _Verified, audience: str) -> Claims:
        """Everything that depends on the request, the clock or shared state: run on every verification,
        from the cache or not."""
        if verified.iss != self.issuer:
            raise TokenError(e.WRONG_ISSUER, "the token was issued by another issuer")
        if audience not in verified.audiences:
            raise TokenError(e.WRONG_AUDIENCE, f"the token is not meant for {audience[:64]!r}")
        exp, nbf, iat = verified.exp, verified.nbf, verified.iat
        now = self._clock()
        if now >= exp + self._leeway:
            raise TokenError(e.EXPIRED, "the token has expired")
        if now < nbf - self._leeway or now < iat - self._leeway:
            raise TokenError(e.NOT_YET_VALID, "the token is not valid yet")
        if exp < iat or exp - min(iat, nbf) > self._max_ttl:
            raise TokenError(e.LIFETIME_TOO_LONG, f"the token lives longer than {self._max_ttl} s")
        if self._revocations is not None:
            try:
                revoked = await self._revocations.is_revoked(verified.jti)
            except IdentityUnavailable as exc:
                raise TokenError(e.UNAVAILABLE, exc.message) from None
            if revoked:
                raise TokenError(e.REVOKED, "the token has been revoked")
        stale = await self._constitution_stale(verified.tenant, verified.constitution_hash)
        return Claims(
            sub=verified.sub,
            aud=audience,
            scope=verified.scope,
            tenant=verified.tenant,
            jti=verified.jti,
            iat=iat,
            nbf=nbf,
            exp=exp,
            constitution_hash=verified.constitution_hash,
            iss=verified.iss,
            kid=verified.key.kid,
            raw=_copy_claims(verified.raw),
            constitution_stale=stale,
        )

    async def _constitution_stale(self, tenant: str | None, token_hash: str | None) -> bool:
        if self._constitution is None:
            return False
        try:
            active = await self._constitution.active_hash(tenant or DEFAULT_TENANT)
        except IdentityUnavailable as exc:
            raise TokenError(e.UNAVAILABLE, exc.message) from None
        if active is None:
            raise TokenError(e.NO_CONSTITUTION, "no constitution is active for the token's tenant")
        if token_hash == active:
            return False
        if self._policy == "reject" or token_hash is None:
            raise TokenError(e.CONSTITUTION_MISMATCH, "the token was issued under another constitution")
        return True
