"""Real traces for the tests: a fresh Ed25519 key per test, entries written by the real writer, and
the attacker's tools (rewrite a line with a recomputed hash, as anyone who read docs/audit.md could)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from sentinel.runtime.trace.checkpoint import KeySet, Signer, public_jwk
from sentinel.runtime.trace.writer import TraceWriter


@dataclass
class Keys:
    signer: Signer
    keyset: KeySet
    jwks: Path
    pem: Path


def make_keys(folder: Path, name: str = "key") -> Keys:
    key = Ed25519PrivateKey.generate()
    folder.mkdir(parents=True, exist_ok=True)
    jwks = folder / f"{name}.jwks"
    jwks.write_text(json.dumps({"keys": [public_jwk(key.public_key())]}))
    pem = folder / f"{name}.pem"
    pem.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    keyset = KeySet()
    keyset.add(key.public_key())
    return Keys(Signer(key), keyset, jwks, pem)


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return make_keys(tmp_path / "keys")


def decision(i: int) -> dict[str, Any]:
    return {
        "decision_id": f"d-{i}",
        "decision": "deny" if i % 3 == 0 else "allow",
        "score": 1000 + i,
        "tenant": "acme",
        "reasons": [{"rule": "no-pii", "message": "PII in prompt", "weight": 1000}],
    }


def write_trace(
    path: Path, signer: Signer, count: int, *, checkpoint_every: int = 5, batch_size: int = 1
) -> Path:
    with TraceWriter(path, signer, batch_size=batch_size, checkpoint_every=checkpoint_every) as writer:
        for i in range(count):
            writer.append(decision(i), risk_level="low", policy_version="rev-7", session_tags=["s1"])
    return path


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def rehash(doc: dict[str, Any]) -> bytes:
    """The line an attacker writes for ``doc`` after recomputing its entry_hash per docs/audit.md."""
    body = {k: v for k, v in doc.items() if k != "entry_hash"}
    canonical = rfc8785.dumps(body)
    digest = hashlib.sha256(canonical).hexdigest()
    return canonical[:-1] + b',"entry_hash":"' + digest.encode() + b'"}\n'


def entry_hash(line: bytes) -> str:
    return str(json.loads(line)["entry_hash"])
