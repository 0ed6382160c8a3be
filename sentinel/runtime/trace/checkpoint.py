"""Signed checkpoints (tree heads): tree size, root hash, last entry hash, time, key id, Ed25519 signature.

A checkpoint is one JSON line in the trace's sidecar file ``<trace>.checkpoints``. The signature is
Ed25519 over the RFC 8785 canonical JSON of the checkpoint's signed fields (everything but
``signature`` and ``resume``); ``resume`` holds unsigned hints (byte offset, Merkle frontier) that let a
writer continue a trace without re-reading it, and is checked against the signed root before use.
Key ids are RFC 7638 JWK thumbprints of the public key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sentinel.runtime.trace.errors import TraceError
from sentinel.runtime.trace.hashing import canonical_json

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

CHECKPOINT_TYPE = "sentinel.trace.checkpoint/v1"
MAX_CHECKPOINT_BYTES = 64 * 1024
MAX_KEY_FILE_BYTES = 1 << 20
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z\Z")


class CheckpointFormatError(ValueError):
    """A checkpoint line is not a well-formed checkpoint."""


class UnknownKeyError(ValueError):
    """The checkpoint names a key id the key set does not hold."""


class BadSignatureError(ValueError):
    """The signature does not verify with the named key."""


def checkpoints_path(trace: str | os.PathLike[str]) -> Path:
    return Path(f"{os.fspath(trace)}.checkpoints")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(public_key: Ed25519PublicKey) -> str:
    """RFC 7638 thumbprint: base64url(SHA-256 of ``{"crv":"Ed25519","kty":"OKP","x":...}``)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    members = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}
    return _b64url(hashlib.sha256(canonical_json(members)).digest())


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw), "kid": key_id(public_key), "use": "sig"}


def utc_timestamp(now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class Checkpoint:
    tree_size: int
    root_hash: str
    last_entry_hash: str
    timestamp: str
    key_id: str
    signature: str
    resume: Mapping[str, Any] = field(default_factory=dict)

    def signed_fields(self) -> dict[str, Any]:
        return {
            "type": CHECKPOINT_TYPE,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "last_entry_hash": self.last_entry_hash,
            "timestamp": self.timestamp,
            "key_id": self.key_id,
        }

    def to_json(self) -> dict[str, Any]:
        doc = {**self.signed_fields(), "signature": self.signature}
        if self.resume:
            doc["resume"] = dict(self.resume)
        return doc

    def to_line(self) -> bytes:
        return canonical_json(self.to_json()) + b"\n"


def parse_checkpoint(doc: object) -> Checkpoint:
    """A checkpoint from its JSON object; raises :class:`CheckpointFormatError` naming the bad field."""
    if not isinstance(doc, dict):
        raise CheckpointFormatError("a checkpoint is a JSON object")
    if doc.get("type") != CHECKPOINT_TYPE:
        raise CheckpointFormatError(f"type must be {CHECKPOINT_TYPE!r}")
    size = doc.get("tree_size")
    if isinstance(size, bool) or not isinstance(size, int) or not 0 < size < 2**53:
        raise CheckpointFormatError("tree_size must be a positive integer")
    for name in ("root_hash", "last_entry_hash"):
        if not isinstance(doc.get(name), str) or not _HEX64.match(doc[name]):
            raise CheckpointFormatError(f"{name} must be 64 lower-case hex digits")
    stamp = doc.get("timestamp")
    if not isinstance(stamp, str) or not _TIMESTAMP.match(stamp):
        raise CheckpointFormatError("timestamp must be RFC 3339 UTC (YYYY-MM-DDTHH:MM:SS[.fff]Z)")
    try:
        datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError as exc:
        raise CheckpointFormatError(f"timestamp out of range: {stamp}") from exc
    kid = doc.get("key_id")
    if not isinstance(kid, str) or not 0 < len(kid) <= 256:
        raise CheckpointFormatError("key_id must be a non-empty string")
    sig = doc.get("signature")
    if not isinstance(sig, str) or len(sig) > 200:
        raise CheckpointFormatError("signature must be a base64url string")
    resume = doc.get("resume", {})
    if not isinstance(resume, dict):
        raise CheckpointFormatError("resume must be an object")
    return Checkpoint(size, doc["root_hash"], doc["last_entry_hash"], stamp, kid, sig, resume)


class Signer:
    """Signs checkpoints with one Ed25519 private key."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.key_id = key_id(private_key.public_key())

    @classmethod
    def from_pem(cls, path: str | os.PathLike[str]) -> Signer:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        data = _read_small(Path(path))
        try:
            key = load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise TraceError("not an unencrypted PEM private key", file=str(path)) from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise TraceError("checkpoint signing needs an Ed25519 private key", file=str(path))
        return cls(key)

    def sign(
        self,
        tree_size: int,
        root: bytes,
        last_entry_hash: str,
        *,
        resume: Mapping[str, Any] | None = None,
        now: datetime | None = None,
    ) -> Checkpoint:
        draft = Checkpoint(tree_size, root.hex(), last_entry_hash, utc_timestamp(now), self.key_id, "")
        signature = self._key.sign(canonical_json(draft.signed_fields()))
        return Checkpoint(
            draft.tree_size,
            draft.root_hash,
            draft.last_entry_hash,
            draft.timestamp,
            draft.key_id,
            _b64url(signature),
            dict(resume or {}),
        )


class KeySet:
    """Public keys that may sign checkpoints, by key id."""

    def __init__(self, keys: Mapping[str, Ed25519PublicKey] | None = None) -> None:
        self._keys = dict(keys or {})

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, public_key: Ed25519PublicKey, kid: str | None = None) -> None:
        self._keys[kid or key_id(public_key)] = public_key

    @classmethod
    def load(cls, paths: list[str | os.PathLike[str]]) -> KeySet:
        """Keys from JWKS files (``{"keys": [...]}`` or one JWK) and PEM public keys."""
        keys = cls()
        for path in paths:
            keys._load_file(Path(path))
        return keys

    def _load_file(self, path: Path) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        data = _read_small(path)
        if data.lstrip().startswith(b"-----BEGIN"):
            try:
                key = load_pem_public_key(data)
            except (ValueError, TypeError) as exc:
                raise TraceError("not a PEM public key", file=str(path)) from exc
            if not isinstance(key, Ed25519PublicKey):
                raise TraceError("checkpoint keys must be Ed25519", file=str(path))
            self.add(key)
            return
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise TraceError("neither a PEM public key nor a JWKS JSON file", file=str(path)) from exc
        jwks = doc.get("keys") if isinstance(doc, dict) and "keys" in doc else [doc]
        if not isinstance(jwks, list):
            raise TraceError("JWKS 'keys' must be a list", file=str(path))
        for jwk in jwks:
            if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
                raise TraceError("only Ed25519 (kty OKP, crv Ed25519) keys are accepted", file=str(path))
            if "d" in jwk:
                raise TraceError("a JWKS of verification keys must not hold a private key", file=str(path))
            try:
                key = Ed25519PublicKey.from_public_bytes(_b64url_decode(jwk.get("x", "")))
            except ValueError as exc:
                raise TraceError("JWK 'x' is not a 32-byte base64url Ed25519 key", file=str(path)) from exc
            kid = jwk.get("kid")
            self.add(key, kid if isinstance(kid, str) and kid else None)

    def verify(self, checkpoint: Checkpoint) -> None:
        """Raise :class:`UnknownKeyError` or :class:`BadSignatureError` unless the signature holds."""
        from cryptography.exceptions import InvalidSignature

        key = self._keys.get(checkpoint.key_id)
        if key is None:
            raise UnknownKeyError(f"key id {checkpoint.key_id!r} is not in the key set")
        try:
            key.verify(_b64url_decode(checkpoint.signature), canonical_json(checkpoint.signed_fields()))
        except (InvalidSignature, ValueError) as exc:
            raise BadSignatureError(f"signature does not verify with key {checkpoint.key_id!r}") from exc


def _read_small(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as exc:
        raise TraceError(f"cannot read key file: {exc.strerror}", file=str(path)) from exc
    if len(data) > MAX_KEY_FILE_BYTES:
        raise TraceError("key file larger than 1 MiB", file=str(path))
    return data


def generate_key() -> tuple[bytes, dict[str, Any]]:
    """A new Ed25519 key: its private PEM (PKCS#8) and a JWKS holding its public half."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    return pem, {"keys": [public_jwk(key.public_key())]}


def iter_checkpoint_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """``(line number, raw line)`` of a checkpoint file, each at most 64 KiB (a longer one is cut)."""
    with path.open("rb") as fh:
        number = 0
        while True:
            line = fh.readline(MAX_CHECKPOINT_BYTES + 1)
            if not line:
                return
            number += 1
            yield number, line
            if len(line) > MAX_CHECKPOINT_BYTES and not line.endswith(b"\n"):
                return
