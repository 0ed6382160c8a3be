"""Checkpoints: the signed bytes are documented exactly; key ids are RFC 7638 thumbprints; keys load
from JWKS and PEM; unknown keys and bad signatures are told apart."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sentinel.runtime.trace.checkpoint import (
    BadSignatureError,
    KeySet,
    Signer,
    UnknownKeyError,
    key_id,
    parse_checkpoint,
)
from sentinel.runtime.trace.errors import TraceError
from tests.runtime.trace.conftest import Keys

# RFC 8037 appendix A.1 key and its A.3 thumbprint.
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_KID = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
ROOT = "9a7881b2eb5bf2fd95aa80262f961b1010d30fea19691343e857888bc4c93acf"
LAST = "7673f68e39d8404749f63a3e9872c4667ebbcc878585968ace85ff8f1dbc9959"
SIGNED_BYTES = (
    '{"key_id":"kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k","last_entry_hash":"' + LAST + '",'
    '"root_hash":"' + ROOT + '","timestamp":"2026-12-07T12:00:00.000Z","tree_size":2,'
    '"type":"sentinel.trace.checkpoint/v1"}'
).encode()
SIGNATURE = "4Ux_zXUtgbAtCupNGob2D5aoiyplW5HqxcvYBNJ9tLXThVQIEyD0qabYpVVanCkGcnh7OEKqHYNkc-TTggDSBA"


def _rfc8037_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(RFC8037_D + "="))


def test_the_key_id_is_the_rfc7638_thumbprint_of_rfc8037() -> None:
    assert key_id(_rfc8037_key().public_key()) == RFC8037_KID


def test_a_checkpoint_signs_the_documented_bytes() -> None:
    key = _rfc8037_key()
    key.public_key().verify(base64.urlsafe_b64decode(SIGNATURE + "=="), SIGNED_BYTES)
    cp = Signer(key).sign(2, bytes.fromhex(ROOT), LAST, now=datetime(2026, 12, 7, 12, tzinfo=UTC))
    assert cp.signature == SIGNATURE


def test_a_checkpoint_round_trips_through_its_line(keys: Keys) -> None:
    cp = keys.signer.sign(3, b"\x11" * 32, "ab" * 32, resume={"offset": 10, "frontier": []})
    again = parse_checkpoint(json.loads(cp.to_line()))
    assert again == cp
    keys.keyset.verify(again)


def test_an_unknown_key_id_is_told_apart_from_a_bad_signature(keys: Keys) -> None:
    other = Signer(Ed25519PrivateKey.generate())
    with pytest.raises(UnknownKeyError):
        keys.keyset.verify(other.sign(1, b"\x00" * 32, "00" * 32))
    other.key_id = keys.signer.key_id
    with pytest.raises(BadSignatureError):
        keys.keyset.verify(other.sign(1, b"\x00" * 32, "00" * 32))


def test_keys_load_from_jwks_and_pem(tmp_path: Path, keys: Keys) -> None:
    pem = tmp_path / "pub.pem"
    key = Ed25519PrivateKey.generate()
    pem.write_bytes(key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    loaded = KeySet.load([keys.jwks, pem])
    assert len(loaded) == 2
    loaded.verify(keys.signer.sign(1, b"\x00" * 32, "00" * 32))
    loaded.verify(Signer(key).sign(1, b"\x00" * 32, "00" * 32))


@pytest.mark.parametrize(
    "content",
    [
        b"not a key",
        b'{"keys": [{"kty": "RSA", "n": "x", "e": "AQAB"}]}',
        b'{"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "short"}]}',
        b'{"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",'
        b' "d": "x"}]}',
    ],
)
def test_a_bad_key_file_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "keys.json"
    path.write_bytes(content)
    with pytest.raises(TraceError, match=r"keys\.json"):
        KeySet.load([path])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tree_size", 0),
        ("tree_size", True),
        ("root_hash", "XYZ"),
        ("timestamp", "yesterday"),
        ("timestamp", "2026-02-30T00:00:00Z"),
        ("key_id", ""),
        ("type", "other"),
    ],
)
def test_a_malformed_checkpoint_names_the_field(keys: Keys, field: str, value: object) -> None:
    from sentinel.runtime.trace.checkpoint import CheckpointFormatError

    doc = keys.signer.sign(1, b"\x00" * 32, "00" * 32).to_json()
    doc[field] = value
    with pytest.raises(CheckpointFormatError, match=field.split("_")[0]):
        parse_checkpoint(doc)
