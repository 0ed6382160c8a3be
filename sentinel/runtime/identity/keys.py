"""Token keys: ES256 (P-256) and EdDSA (Ed25519) only, each named by a ``kid`` of a strict charset.

A key's algorithm is part of its record (inferred from the key type when loaded), never taken from a
token. ``VerificationKey`` keeps PyJWT's algorithm object for its pinned algorithm, so verifying is one
call into ``cryptography`` with no per-token lookup.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sentinel.runtime.identity.errors import KeyStoreError

ALGORITHMS = ("ES256", "EdDSA")
# Letters, digits, '.', '_', '-'; starts with a letter or digit; no "..": safe as a file name, a Redis
# key part and a log field (no '/', '\\', quotes, ';', spaces or control characters).
KID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def valid_kid(kid: object) -> bool:
    return isinstance(kid, str) and KID_PATTERN.fullmatch(kid) is not None and ".." not in kid


def check_kid(kid: str) -> str:
    if not valid_kid(kid):
        raise KeyStoreError("a key id is 1-64 characters of letters, digits, '.', '_' and '-' (no '..')")
    return kid


def algorithm_of(key: Any) -> str:
    """ES256 for a P-256 key, EdDSA for Ed25519; anything else is refused (no RSA, no HMAC)."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        if key.curve.name == "secp256r1":
            return "ES256"
        raise KeyStoreError(f"elliptic curve {key.curve.name} is not accepted; use P-256 (ES256)")
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return "EdDSA"
    raise KeyStoreError(f"{type(key).__name__} keys are not accepted; use ES256 (P-256) or EdDSA (Ed25519)")


def _unaccepted(algorithm: str) -> str:
    return f"algorithm {algorithm[:20]!r} is not accepted; use one of {', '.join(ALGORITHMS)}"


def _jwt_algorithm(algorithm: str) -> Any:
    import jwt

    if algorithm not in ALGORITHMS:
        raise KeyStoreError(_unaccepted(algorithm))
    return jwt.get_algorithm_by_name(algorithm)


@dataclass(frozen=True)
class VerificationKey:
    """A public key trusted for one kid and pinned to one algorithm."""

    kid: str
    algorithm: str
    public_key: Any
    verifier: Any = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, kid: str, public_key: Any, algorithm: str | None = None) -> VerificationKey:
        check_kid(kid)
        natural = algorithm_of(public_key)
        if algorithm is not None and algorithm != natural:
            raise KeyStoreError(f"key {kid!r} is a {natural} key, not {algorithm[:20]}")
        return cls(kid, natural, public_key, _jwt_algorithm(natural))

    def verify(self, signing_input: bytes, signature: bytes) -> bool:
        return bool(self.verifier.verify(signing_input, self.public_key, signature))

    def jwk(self) -> dict[str, Any]:
        """The public JWK with ``kid``, ``alg`` and ``use: sig`` (what the JWKS endpoint serves)."""
        document: dict[str, Any] = json.loads(self.verifier.to_jwk(self.public_key))
        document.update({"kid": self.kid, "alg": self.algorithm, "use": "sig"})
        return document

    @classmethod
    def from_jwk(cls, document: dict[str, Any]) -> VerificationKey:
        """A public JWK that names its ``kid`` and ``alg``; private or symmetric keys are refused."""
        import jwt

        kid, alg = document.get("kid"), document.get("alg")
        if not isinstance(kid, str) or not isinstance(alg, str):
            raise KeyStoreError("a JWK needs a 'kid' and an 'alg' (the algorithm is pinned per key)")
        if alg not in ALGORITHMS:
            raise KeyStoreError(f"JWK {kid[:64]!r}: algorithm {alg[:20]!r} is not accepted")
        if document.get("kty") == "oct" or "d" in document:
            raise KeyStoreError(f"JWK {kid[:64]!r} is not a public key")
        try:
            public_key = jwt.PyJWK(document, algorithm=alg).key
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError, KeyError):
            raise KeyStoreError(f"JWK {kid[:64]!r} cannot be loaded") from None
        return cls.of(kid, public_key, alg)


@dataclass(frozen=True)
class SigningKey:
    """A private key with its kid and pinned algorithm."""

    kid: str
    algorithm: str
    private_key: Any = field(repr=False)

    @classmethod
    def of(cls, kid: str, private_key: Any) -> SigningKey:
        return cls(check_kid(kid), algorithm_of(private_key), private_key)

    @classmethod
    def generate(cls, kid: str, algorithm: str = "ES256") -> SigningKey:
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519

        if algorithm == "ES256":
            private_key: Any = ec.generate_private_key(ec.SECP256R1())
        elif algorithm == "EdDSA":
            private_key = ed25519.Ed25519PrivateKey.generate()
        else:
            raise KeyStoreError(_unaccepted(algorithm))
        return cls.of(kid, private_key)

    def public(self) -> VerificationKey:
        return VerificationKey.of(self.kid, self.private_key.public_key(), self.algorithm)

    def private_pem(self, passphrase: bytes | None = None) -> bytes:
        """PKCS#8 PEM, encrypted with the best available scheme when a passphrase is given."""
        from cryptography.hazmat.primitives import serialization

        encryption: Any = (
            serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
        )
        return bytes(
            self.private_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
            )
        )


def public_pem(key: VerificationKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return bytes(
        key.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def load_private_pem(pem: bytes, kid: str, passphrase: bytes | None = None) -> SigningKey:
    """A PEM private key; an encrypted one needs ``passphrase``. Errors never echo the key."""
    from cryptography.hazmat.primitives import serialization

    try:
        private_key = serialization.load_pem_private_key(pem.strip(), password=passphrase)
    except TypeError:
        if passphrase is None:
            raise KeyStoreError(f"key {kid!r} is encrypted; a passphrase is needed") from None
        raise KeyStoreError(f"key {kid!r} is not encrypted, but a passphrase was given") from None
    except ValueError:
        raise KeyStoreError(
            f"key {kid!r} cannot be loaded (not a PEM private key, or a wrong passphrase)"
        ) from None
    return SigningKey.of(kid, private_key)


def load_public_pem(pem: bytes, kid: str) -> VerificationKey:
    """A PEM public key (or the public half of a PEM private key) for ``kid``."""
    from cryptography.hazmat.primitives import serialization

    text = pem.strip()
    try:
        if b"PRIVATE KEY-----" in text:
            public_key: Any = serialization.load_pem_private_key(text, password=None).public_key()
        else:
            public_key = serialization.load_pem_public_key(text)
    except (ValueError, TypeError):
        raise KeyStoreError(f"key {kid!r} cannot be loaded (not an unencrypted PEM key)") from None
    return VerificationKey.of(kid, public_key)


def load_jwks(content: bytes) -> list[VerificationKey]:
    """The keys of a JWK Set document (every key with ``kid`` and ``alg``)."""
    try:
        document = json.loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise KeyStoreError("the JWKS is not valid JSON") from None
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise KeyStoreError("the JWKS has no 'keys' list")
    keys: list[VerificationKey] = []
    seen: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict):
            raise KeyStoreError("a JWKS entry is not an object")
        key = VerificationKey.from_jwk(entry)
        if key.kid in seen:
            raise KeyStoreError(f"key id {key.kid!r} appears twice in the JWKS")
        seen.add(key.kid)
        keys.append(key)
    return keys
