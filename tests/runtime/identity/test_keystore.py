"""The file key store: keys at rest are 0600 or encrypted, and nothing else is trusted."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sentinel.runtime.identity import FileKeyStore, KeyStoreError, SigningKey


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "keys"
    path.mkdir(mode=0o700)
    return path


def _write(path: Path, data: bytes, mode: int) -> None:
    path.write_bytes(data)
    os.chmod(path, mode)


def test_created_key_loads_back(folder: Path) -> None:
    store = FileKeyStore(folder)
    created = asyncio.run(store.create("k1", "EdDSA"))
    assert asyncio.run(store.load("k1")).public().jwk() == created.public().jwk()


def test_plaintext_key_readable_by_others_is_refused(folder: Path) -> None:
    _write(folder / "k1.pem", SigningKey.generate("k1").private_pem(), 0o644)
    with pytest.raises(KeyStoreError, match="chmod 600"):
        asyncio.run(FileKeyStore(folder).load("k1"))


def test_plaintext_key_with_mode_0600_is_accepted(folder: Path) -> None:
    _write(folder / "k1.pem", SigningKey.generate("k1").private_pem(), 0o600)
    assert asyncio.run(FileKeyStore(folder).load("k1")).algorithm == "ES256"


def test_encrypted_key_is_accepted_with_its_passphrase_whatever_its_mode(folder: Path) -> None:
    _write(folder / "k1.pem", SigningKey.generate("k1").private_pem(b"correct horse"), 0o644)
    assert asyncio.run(FileKeyStore(folder, passphrase=b"correct horse").load("k1")).kid == "k1"


def test_encrypted_key_without_a_passphrase_is_refused(folder: Path) -> None:
    _write(folder / "k1.pem", SigningKey.generate("k1").private_pem(b"correct horse"), 0o600)
    with pytest.raises(KeyStoreError, match="encrypted"):
        asyncio.run(FileKeyStore(folder).load("k1"))


def test_wrong_passphrase_is_refused_without_echoing_it(folder: Path) -> None:
    _write(folder / "k1.pem", SigningKey.generate("k1").private_pem(b"correct horse"), 0o600)
    with pytest.raises(KeyStoreError) as caught:
        asyncio.run(FileKeyStore(folder, passphrase=b"battery staple").load("k1"))
    assert "battery" not in str(caught.value)


def test_store_with_a_passphrase_writes_encrypted_keys(folder: Path) -> None:
    asyncio.run(FileKeyStore(folder, passphrase=b"pw").create("k1", "ES256"))
    assert (folder / "k1.pem").read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")


def test_symlinked_key_is_refused(folder: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.pem"
    _write(target, SigningKey.generate("k1").private_pem(), 0o600)
    (folder / "k1.pem").symlink_to(target)
    with pytest.raises(KeyStoreError, match="symlink"):
        asyncio.run(FileKeyStore(folder).load("k1"))


def test_folder_writable_by_others_is_refused(folder: Path) -> None:
    os.chmod(folder, 0o777)
    with pytest.raises(KeyStoreError, match="writable"):
        asyncio.run(FileKeyStore(folder).create("k1", "ES256"))


@pytest.mark.parametrize("kid", ["../k1", "k1/../../etc", "k1;rm", "", ".hidden"])
def test_kid_that_could_escape_the_folder_is_refused(folder: Path, kid: str) -> None:
    with pytest.raises(KeyStoreError, match="key id"):
        asyncio.run(FileKeyStore(folder).load(kid))


def test_existing_key_is_never_overwritten(folder: Path) -> None:
    store = FileKeyStore(folder)
    asyncio.run(store.create("k1", "ES256"))
    with pytest.raises(KeyStoreError, match="already exists"):
        asyncio.run(store.create("k1", "ES256"))


def test_rsa_key_in_the_store_is_refused(folder: Path) -> None:
    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write(folder / "k1.pem", pem, 0o600)
    with pytest.raises(KeyStoreError, match="not accepted"):
        asyncio.run(FileKeyStore(folder).load("k1"))
