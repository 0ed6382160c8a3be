"""The key store port and its file adapter. A KMS adapter implements the same three methods.

``FileKeyStore`` keeps one PKCS#8 PEM per key, ``<dir>/<kid>.pem``. Keys at rest are either encrypted
(the store has a passphrase) or readable by their owner only: a plaintext key file with any group or
other permission bit, a file owned by someone else, a symlink, or a group/other-writable folder is
refused. New files are created ``0600`` with ``O_EXCL``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Protocol

from sentinel.runtime.identity.errors import KeyStoreError
from sentinel.runtime.identity.keys import SigningKey, check_kid, load_private_pem

MAX_KEY_FILE_BYTES = 64 * 1024
_ENCRYPTED_MARKER = b"-----BEGIN ENCRYPTED PRIVATE KEY-----"


def read_key_file(path: Path, kid: str, passphrase: bytes | None = None) -> SigningKey:
    """A private key file, trusted only if encrypted or ``0600`` and owned by this user (no symlink)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        raise KeyStoreError(f"key {kid!r}: {path} does not exist") from None
    except OSError:
        raise KeyStoreError(f"key {kid!r}: {path} cannot be opened (a symlink or no permission)") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise KeyStoreError(f"key {kid!r}: {path} is not a regular file")
        if info.st_size > MAX_KEY_FILE_BYTES:
            raise KeyStoreError(f"key {kid!r}: {path} is larger than {MAX_KEY_FILE_BYTES} bytes")
        pem = handle.read(MAX_KEY_FILE_BYTES + 1)
    encrypted = _ENCRYPTED_MARKER in pem
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        raise KeyStoreError(f"key {kid!r}: {path} belongs to another user")
    if not encrypted and info.st_mode & 0o077:
        raise KeyStoreError(
            f"key {kid!r}: {path} is not encrypted and readable by group or others "
            f"(mode {stat.S_IMODE(info.st_mode):o}); chmod 600 it or encrypt it"
        )
    if encrypted and not passphrase:
        raise KeyStoreError(f"key {kid!r}: {path} is encrypted; a passphrase is needed")
    return load_private_pem(pem, kid, passphrase if encrypted else None)


def write_key_file(path: Path, key: SigningKey, passphrase: bytes | None = None) -> None:
    """A new ``0600`` file (``O_EXCL``: never overwrites), encrypted when a passphrase is given."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        raise KeyStoreError(f"{path} already exists; keys are never overwritten") from None
    except OSError as exc:
        raise KeyStoreError(f"{path} cannot be created: {exc.strerror}") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.private_pem(passphrase))


class KeyStore(Protocol):
    async def load(self, kid: str) -> SigningKey:
        """The private key of ``kid``; KeyStoreError when missing or not trusted."""
        ...

    async def create(self, kid: str, algorithm: str) -> SigningKey:
        """Generate and store a new key (ES256 or EdDSA); KeyStoreError if ``kid`` exists."""
        ...

    async def delete(self, kid: str) -> None:
        """Destroy ``kid``'s private key (retired keys); no error when it is already gone."""
        ...


class FileKeyStore:
    """Private keys as files in one folder (see the module docstring for what is checked)."""

    def __init__(self, directory: Path | str, *, passphrase: bytes | None = None) -> None:
        self.directory = Path(directory)
        self._passphrase = passphrase or None

    def _path(self, kid: str) -> Path:
        return self.directory / f"{check_kid(kid)}.pem"

    def _check_directory(self) -> None:
        try:
            info = os.stat(self.directory)
        except OSError:
            raise KeyStoreError(f"the key folder {self.directory} does not exist") from None
        if not stat.S_ISDIR(info.st_mode):
            raise KeyStoreError(f"{self.directory} is not a folder")
        if info.st_mode & 0o022:
            raise KeyStoreError(
                f"the key folder {self.directory} is writable by group or others; chmod 700 it"
            )

    def read_key(self, kid: str) -> SigningKey:
        """Synchronous ``load``."""
        self._check_directory()
        return read_key_file(self._path(kid), kid, self._passphrase)

    async def load(self, kid: str) -> SigningKey:
        return self.read_key(kid)

    def write_key(self, key: SigningKey) -> Path:
        """Store ``key`` as a new ``0600`` file (encrypted when the store has a passphrase)."""
        self._check_directory()
        path = self._path(key.kid)
        write_key_file(path, key, self._passphrase)
        return path

    async def create(self, kid: str, algorithm: str) -> SigningKey:
        key = SigningKey.generate(kid, algorithm)
        self.write_key(key)
        return key

    async def delete(self, kid: str) -> None:
        try:
            os.unlink(self._path(kid))
        except FileNotFoundError:
            return
