"""Helpers of the sync, cache and routes tests: signed decision bundles, real Redis and nginx fixtures."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from sentinel.runtime.bundles.archive import read_archive, write_archive
from sentinel.runtime.bundles.build import build_bundle, sign_bundle
from sentinel.runtime.bundles.signing import KeySet, SigningKey, load_signing_key
from tests.runtime.bundles.conftest import private_pem, public_pem
from testsupport import servers
from testsupport.processes import Server, require_program

POLICY = """package sentinel.decision

import rego.v1

deny contains {"rule": "blocked-action", "message": "this action is blocked", "weight": 5000} if {
\tinput.action == data.sentinel.blocked
}
"""


def signing_key(key: ec.EllipticCurvePrivateKey, kid: str = "sync") -> SigningKey:
    return load_signing_key(private_pem(key), kid)


def key_set(key: ec.EllipticCurvePrivateKey, kid: str = "sync") -> KeySet:
    return KeySet.from_pem(public_pem(key), kid)


def make_bundle(
    folder: Path, key: SigningKey, revision: str, blocked: str = "delete", policy: str = POLICY
) -> bytes:
    """A signed bundle whose decision policy denies the action ``blocked``."""
    src = folder / f"src-{revision}"
    (src / "sentinel").mkdir(parents=True, exist_ok=True)
    (src / "sentinel" / "decision.rego").write_text(policy)
    (src / "sentinel" / "data.json").write_text(f'{{"blocked": "{blocked}"}}')
    archive, _ = sign_bundle(build_bundle([src], revision=revision), key)
    return archive


def tamper(archive: bytes, name: str, content: bytes) -> bytes:
    """The same archive (signature included) with one file's content replaced."""
    files = read_archive(archive)
    files[name] = content
    return write_archive(files)


def place(root: Path, archive: bytes, mtime: float | None = None) -> Path:
    """Put ``archive`` where nginx serves it; a distinct mtime gives nginx a new ETag."""
    target = root / "bundles" / "bundle.tar.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_suffix(".tmp")
    temp.write_bytes(archive)
    stamp = mtime if mtime is not None else time.time()
    os.utime(temp, (stamp, stamp))
    os.replace(temp, target)
    return target


@pytest.fixture(scope="module")
def ec_sync_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[Server]:
    program = require_program("redis-server", "apt-get install -y redis-server")
    server = servers.redis(program, tmp_path / "redis")
    yield server
    server.stop()


@pytest.fixture
def nginx_root(tmp_path: Path) -> Path:
    root = tmp_path / "www"
    root.mkdir()
    return root


@pytest.fixture
def nginx_server(tmp_path: Path, nginx_root: Path) -> Iterator[Server]:
    program = require_program("nginx", "apt-get install -y nginx")
    server = servers.nginx(program, nginx_root, tmp_path / "nginx")
    yield server
    server.stop()


async def eventually(
    check: Callable[[], Awaitable[bool]] | Callable[[], bool], timeout: float = 10.0
) -> None:
    """Wait (on the event loop, never blocking it) until ``check()`` is true."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)
