"""Bundle signatures as OPA writes them: ``.signatures.json`` = ``{"signatures": [JWT]}``.

The JWT payload lists ``files: [{name, hash, algorithm}]``, plus ``keyid`` and an optional ``scope``;
the header carries ``kid``. Verification mirrors OPA's ``verify.go`` with stricter rules:

- the key is looked up by the header's ``kid`` (else the payload's deprecated ``keyid``, else the key set's
  default key id, OPA's ``--verification-key-id``; unlike OPA, that default never overrides a named kid);
- the algorithm is **pinned per key** (from the key set, never from the token): ``alg: none`` and every
  ``HS*`` are refused before any key is touched, and a header naming another algorithm than the key's
  is refused;
- a key outside its validity window (``not_before``/``not_after``; a certificate's dates) is refused;
- the scope must equal the expected one (both empty counts as equal, as in OPA).

RS256/384/512, PS256/384/512, ES256/384/512 as OPA; EdDSA (Ed25519) in addition. PyJWT with
``cryptography`` does the JOSE work.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sentinel.runtime.bundles.errors import KeyLoadError, VerificationError

DEFAULT_KID = "default"  # OPA's default key id for `opa build --signing-key` and `opa sign`
MAX_TOKEN_BYTES = 1024 * 1024
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
_EC_ALGORITHMS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
_MIN_RSA_BITS = 2048


@dataclass(frozen=True)
class VerificationKey:
    """A public key trusted for one key id and one algorithm, optionally for a limited time."""

    kid: str
    algorithm: str
    public_key: Any
    scope: str | None = None
    not_before: datetime | None = None
    not_after: datetime | None = None


@dataclass(frozen=True)
class KeySet:
    """The trusted verification keys by key id."""

    keys: Mapping[str, VerificationKey] = field(default_factory=dict)
    # The key for a token that names none (OPA's --verification-key-id; `opa sign` writes no kid).
    default_kid: str | None = None

    def get(self, kid: str) -> VerificationKey | None:
        return self.keys.get(kid)

    @classmethod
    def of(cls, keys: Iterable[VerificationKey]) -> KeySet:
        table: dict[str, VerificationKey] = {}
        for key in keys:
            if key.kid in table:
                raise KeyLoadError("duplicate_kid", f"key id {key.kid!r} is given twice")
            table[key.kid] = key
        return cls(table)

    @classmethod
    def from_pem(
        cls,
        pem: bytes,
        kid: str = DEFAULT_KID,
        algorithm: str | None = None,
        *,
        scope: str | None = None,
        not_after: datetime | None = None,
    ) -> KeySet:
        key = load_verification_key(pem, kid, algorithm, scope=scope, not_after=not_after)
        return cls({kid: key}, default_kid=kid)

    @classmethod
    def from_jwks(cls, content: bytes) -> KeySet:
        """A JWK Set; every key needs ``kid`` and ``alg`` (the pin). Sentinel also reads ``nbf``/``exp``
        (NumericDate) on a key as its validity window."""
        import jwt

        try:
            document = json.loads(content)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise KeyLoadError("bad_key", "the JWKS is not valid JSON") from None
        entries = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(entries, list) or not entries:
            raise KeyLoadError("bad_key", "the JWKS has no 'keys' list")
        keys = []
        for entry in entries:
            if not isinstance(entry, dict):
                raise KeyLoadError("bad_key", "a JWKS entry is not an object")
            kid, alg = entry.get("kid"), entry.get("alg")
            if not isinstance(kid, str) or not kid or not isinstance(alg, str):
                raise KeyLoadError(
                    "bad_key", "every JWKS key needs a 'kid' and an 'alg' (the algorithm is pinned)"
                )
            _check_algorithm(alg)
            if entry.get("kty") == "oct" or "d" in entry:
                raise KeyLoadError("bad_key", f"JWKS key {kid!r} is not a public key")
            try:
                public_key = jwt.PyJWK(entry, algorithm=alg).key
            except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError) as exc:
                raise KeyLoadError("bad_key", f"JWKS key {kid!r} cannot be loaded: {exc}") from None
            _check_key_fits(public_key, alg, kid)
            keys.append(
                VerificationKey(
                    kid=kid,
                    algorithm=alg,
                    public_key=public_key,
                    not_before=_numeric_date(entry.get("nbf"), kid),
                    not_after=_numeric_date(entry.get("exp"), kid),
                )
            )
        return cls.of(keys)


@dataclass(frozen=True)
class SigningKey:
    kid: str
    algorithm: str
    private_key: Any


@dataclass(frozen=True)
class SignedFiles:
    """What a verified ``.signatures.json`` vouches for."""

    kid: str
    scope: str
    files: Mapping[str, tuple[str, str]]  # name -> (hex digest, hash algorithm)
    claims: Mapping[str, Any]


def _numeric_date(value: Any, kid: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise KeyLoadError("bad_key", f"JWKS key {kid!r}: nbf/exp must be a NumericDate")
    return datetime.fromtimestamp(value, UTC)


def _check_algorithm(algorithm: str) -> None:
    if algorithm.lower() == "none":
        raise KeyLoadError("alg_none", "algorithm 'none' is never accepted")
    if algorithm.upper().startswith("HS"):
        raise KeyLoadError("alg_symmetric", f"symmetric algorithm {algorithm} is not accepted for bundles")
    if algorithm not in ASYMMETRIC:
        raise KeyLoadError(
            "unknown_alg", f"unsupported algorithm {algorithm[:40]!r}; use one of {', '.join(ASYMMETRIC)}"
        )


def infer_algorithm(key: Any) -> str:
    """RS256 for RSA, ES256/384/512 by curve, EdDSA for Ed25519 (what OPA's default would be per type)."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return "RS256"
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        alg = _EC_ALGORITHMS.get(key.curve.name)
        if alg is None:
            raise KeyLoadError("bad_key", f"unsupported elliptic curve {key.curve.name}")
        return alg
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return "EdDSA"
    raise KeyLoadError("bad_key", f"unsupported key type {type(key).__name__}")


def _check_key_fits(key: Any, algorithm: str, kid: str) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    natural = infer_algorithm(key)
    family_ok = natural == algorithm or (natural == "RS256" and algorithm[:2] in ("RS", "PS"))
    if not family_ok:
        raise KeyLoadError(
            "key_alg_mismatch", f"key {kid!r} ({natural} type) cannot be used with {algorithm}"
        )
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey) and key.key_size < _MIN_RSA_BITS:
        raise KeyLoadError(
            "bad_key", f"RSA key {kid!r} has {key.key_size} bits; at least {_MIN_RSA_BITS} needed"
        )


def load_verification_key(
    pem: bytes,
    kid: str = DEFAULT_KID,
    algorithm: str | None = None,
    *,
    scope: str | None = None,
    not_after: datetime | None = None,
) -> VerificationKey:
    """A PEM public key, certificate (its dates bound the key) or private key (its public half)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    not_before = None
    text = pem.strip()
    try:
        if b"-----BEGIN CERTIFICATE-----" in text:
            cert = x509.load_pem_x509_certificate(text)
            public_key: Any = cert.public_key()
            not_before = cert.not_valid_before_utc
            cert_after = cert.not_valid_after_utc
            not_after = cert_after if not_after is None else min(not_after, cert_after)
        elif b"PRIVATE KEY-----" in text:
            public_key = serialization.load_pem_private_key(text, password=None).public_key()
        else:
            public_key = serialization.load_pem_public_key(text)
    except (ValueError, TypeError) as exc:
        raise KeyLoadError("bad_key", f"cannot load the PEM key: {type(exc).__name__}") from None
    alg = algorithm or infer_algorithm(public_key)
    _check_algorithm(alg)
    _check_key_fits(public_key, alg, kid)
    return VerificationKey(
        kid=kid,
        algorithm=alg,
        public_key=public_key,
        scope=scope,
        not_before=not_before,
        not_after=not_after,
    )


def load_signing_key(pem: bytes, kid: str = DEFAULT_KID, algorithm: str | None = None) -> SigningKey:
    """An unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1) for ``algorithm`` (inferred if omitted)."""
    from cryptography.hazmat.primitives import serialization

    try:
        private_key: Any = serialization.load_pem_private_key(pem.strip(), password=None)
    except TypeError:
        raise KeyLoadError("bad_key", "the private key is encrypted; give an unencrypted PEM key") from None
    except ValueError as exc:
        raise KeyLoadError("bad_key", f"cannot load the PEM private key: {type(exc).__name__}") from None
    alg = algorithm or infer_algorithm(private_key)
    _check_algorithm(alg)
    _check_key_fits(private_key, alg, kid)
    return SigningKey(kid=kid, algorithm=alg, private_key=private_key)


def sign_entries(entries: list[dict[str, str]], key: SigningKey, scope: str | None = None) -> str:
    """A compact JWT over the file entries, as OPA's ``DefaultSigner`` builds it."""
    import jwt

    payload: dict[str, Any] = {"files": entries, "keyid": key.kid}
    if scope:
        payload["scope"] = scope
    return jwt.encode(payload, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid})


def signatures_document(token: str) -> bytes:
    return json.dumps({"signatures": [token]}, indent=1).encode()


def _b64json(part: str, what: str) -> Any:
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise VerificationError("bad_token", f"the JWT {what} is not base64url JSON") from None


def parse_signatures(content: bytes) -> str:
    """The one JWT of ``.signatures.json`` (OPA supports exactly one)."""
    if len(content) > MAX_TOKEN_BYTES:
        raise VerificationError("bad_signatures", ".signatures.json is too large")
    try:
        document = json.loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise VerificationError("bad_signatures", ".signatures.json is not valid JSON") from None
    if not isinstance(document, dict):
        raise VerificationError("bad_signatures", ".signatures.json must be an object")
    if document.get("plugin", "_default") not in ("", "_default"):
        raise VerificationError(
            "bad_signatures", "signature plugins other than OPA's default are not supported"
        )
    tokens = document.get("signatures")
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens) or len(tokens) != 1:
        raise VerificationError("bad_signatures", ".signatures.json must hold exactly one JWT")
    return str(tokens[0])


def _files_claim(payload: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    entries = payload.get("files")
    if not isinstance(entries, list):
        raise VerificationError("bad_token", "the JWT payload has no 'files' list")
    files: dict[str, tuple[str, str]] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) for k in ("name", "hash", "algorithm")
        ):
            raise VerificationError(
                "bad_token", "a 'files' entry must hold name, hash and algorithm strings"
            )
        name = entry["name"].removeprefix("/")
        if name in files:
            raise VerificationError("bad_token", f"file {name!r} is listed twice in the signature")
        files[name] = (entry["hash"].lower(), entry["algorithm"])
    return files


def verify_token(
    token: str, keys: KeySet, scope: str | None = None, now: datetime | None = None
) -> SignedFiles:
    """Check the JWT against the pinned key of its key id; return the files it vouches for."""
    import jwt

    if len(token) > MAX_TOKEN_BYTES or token.count(".") != 2:
        raise VerificationError("bad_token", "the signature is not a compact JWT")
    header_part, payload_part, _ = token.split(".")
    header = _b64json(header_part, "header")
    payload = _b64json(payload_part, "payload")
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise VerificationError("bad_token", "the JWT header and payload must be objects")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none":
        raise VerificationError("alg_none", "the JWT is unsigned (alg 'none'); refused")
    if alg.upper().startswith("HS"):
        raise VerificationError(
            "alg_symmetric", f"the JWT uses {alg[:20]}, a shared-secret algorithm; refused"
        )
    kid = header.get("kid") or payload.get("keyid") or keys.default_kid
    if not isinstance(kid, str) or not kid:
        raise VerificationError("unknown_kid", "the JWT names no key id")
    key = keys.get(kid)
    if key is None:
        raise VerificationError("unknown_kid", f"no trusted key has id {kid[:80]!r}")
    moment = now or datetime.now(UTC)
    if key.not_after is not None and moment > key.not_after:
        raise VerificationError("key_expired", f"key {kid!r} expired at {key.not_after.isoformat()}")
    if key.not_before is not None and moment < key.not_before:
        raise VerificationError(
            "key_not_yet_valid", f"key {kid!r} is valid from {key.not_before.isoformat()}"
        )
    if alg != key.algorithm:
        raise VerificationError(
            "alg_mismatch", f"the JWT says {alg[:20]} but key {kid!r} is pinned to {key.algorithm}"
        )
    try:
        jwt.PyJWS().decode_complete(token, key.public_key, algorithms=[key.algorithm])
    except jwt.InvalidSignatureError:
        raise VerificationError(
            "bad_signature", f"the signature does not verify with key {kid!r}"
        ) from None
    except jwt.PyJWTError as exc:
        raise VerificationError("bad_token", f"the JWT cannot be verified: {type(exc).__name__}") from None
    files = _files_claim(payload)
    claimed = payload.get("scope", "")
    expected = scope if scope is not None else (key.scope or "")
    if not isinstance(claimed, str) or claimed != expected:
        raise VerificationError(
            "scope_mismatch", f"the signature's scope {str(claimed)[:80]!r} is not {expected!r}"
        )
    return SignedFiles(kid=kid, scope=claimed, files=files, claims=payload)


def unverified_kid(content: bytes) -> str | None:
    """The key id a ``.signatures.json`` names, without verifying anything (for ``inspect``)."""
    try:
        token = parse_signatures(content)
        header_part, payload_part, _ = token.split(".")
        header, payload = _b64json(header_part, "header"), _b64json(payload_part, "payload")
    except (VerificationError, ValueError):
        return None
    kid = (header.get("kid") if isinstance(header, dict) else None) or (
        payload.get("keyid") if isinstance(payload, dict) else None
    )
    return kid if isinstance(kid, str) else None
