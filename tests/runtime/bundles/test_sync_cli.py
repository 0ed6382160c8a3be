"""``sentinel serve --bundle-url`` and ``--bundle``: the real CLI in a subprocess, on a free loopback port."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.runtime.bundles.conftest import public_pem
from tests.runtime.bundles.syncing import (
    ec_sync_key,
    make_bundle,
    nginx_root,
    nginx_server,
    place,
    signing_key,
)
from testsupport.processes import Server, free_port, start

__all__ = ["ec_sync_key", "nginx_root", "nginx_server"]

CLI = "import sys; from sentinel.cli import main; sys.exit(main())"
EVALUATE = {"tenant": "acme", "subject": "alice", "action": "delete", "resource": "doc/1"}


def serve_argv(*args: str) -> list[str]:
    return [sys.executable, "-c", CLI, "serve", *args]


@pytest.fixture
def public_key_file(tmp_path: Path, ec_sync_key: ec.EllipticCurvePrivateKey) -> Path:
    path = tmp_path / "public.pem"
    path.write_bytes(public_pem(ec_sync_key))
    return path


@pytest.fixture
def started(tmp_path: Path) -> Iterator[list[Server]]:
    servers: list[Server] = []
    yield servers
    for server in servers:
        server.stop()


def wait_json(url: str, timeout: float = 20.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(url, timeout=5)
        if response.status_code == 200:
            body: dict[str, object] = response.json()
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} answered {response.status_code}: {response.text[:300]}")
        time.sleep(0.1)


def test_serve_bundle_url_syncs_verifies_and_reports_the_constitution(
    nginx_server: Server,
    nginx_root: Path,
    ec_sync_key: ec.EllipticCurvePrivateKey,
    public_key_file: Path,
    tmp_path: Path,
    started: list[Server],
) -> None:
    place(nginx_root, make_bundle(tmp_path, signing_key(ec_sync_key, "default"), "r1"))
    port = free_port()
    argv = serve_argv(
        "--addr", f"127.0.0.1:{port}",
        "--bundle-url", f"http://127.0.0.1:{nginx_server.port}/bundles/bundle.tar.gz",
        "--verification-key", str(public_key_file),
        "--bundle-cache-dir", str(tmp_path / "cache"),
        "--poll-interval", "0.2",
    )  # fmt: skip
    started.append(start(argv, port, tmp_path / "serve.log"))

    body = wait_json(f"http://127.0.0.1:{port}/v1/constitution")
    assert body["revision"] == "r1" and body["signed_by"] == "default"
    assert (tmp_path / "cache" / "bundle.tar.gz").exists()
    decision = httpx.post(f"http://127.0.0.1:{port}/v1/evaluate", json=EVALUATE).json()
    assert decision["decision"] == "deny" and decision["constitution_hash"] == body["hash"]


def test_serve_bundle_serves_a_verified_local_bundle(
    ec_sync_key: ec.EllipticCurvePrivateKey, public_key_file: Path, tmp_path: Path, started: list[Server]
) -> None:
    bundle = tmp_path / "bundle.tar.gz"
    bundle.write_bytes(make_bundle(tmp_path, signing_key(ec_sync_key, "default"), "local-1"))
    port = free_port()
    argv = serve_argv(
        "--addr", f"127.0.0.1:{port}", "--bundle", str(bundle), "--verification-key", str(public_key_file)
    )  # fmt: skip
    started.append(start(argv, port, tmp_path / "serve.log"))

    assert wait_json(f"http://127.0.0.1:{port}/readyz")["revision"] == "local-1"
    decision = httpx.post(f"http://127.0.0.1:{port}/v1/evaluate", json=EVALUATE).json()
    assert decision["decision"] == "deny" and decision["policy_revision"] == "local-1"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(serve_argv(*args), capture_output=True, text=True, timeout=60, check=False)


def test_serve_bundle_signed_with_another_key_exits_2_without_serving(
    ec_sync_key: ec.EllipticCurvePrivateKey, other_ec_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle.tar.gz"
    bundle.write_bytes(make_bundle(tmp_path, signing_key(other_ec_key, "default"), "evil"))
    key = tmp_path / "public.pem"
    key.write_bytes(public_pem(ec_sync_key))

    result = run_cli(
        "--addr", f"127.0.0.1:{free_port()}", "--bundle", str(bundle), "--verification-key", str(key)
    )

    assert result.returncode == 2
    assert "bad_signature" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bundle-url", "http://127.0.0.1:9/b", "--bundle-cache-dir", "c"], "--verification-key"),
        (["--bundle-url", "ftp://x/b", "--bundle-cache-dir", "c", "--verification-key", "{key}"], "http"),
        (["--bundle-url", "http://127.0.0.1:9/b", "--verification-key", "{key}"], "--bundle-cache-dir"),
        (["--bundle-url", "http://127.0.0.1:9/b", "--policy", "."], "not both"),
    ],
)
def test_bundle_option_misuse_exits_2_with_one_line(
    public_key_file: Path, args: list[str], message: str
) -> None:
    result = run_cli(*[a.replace("{key}", str(public_key_file)) for a in args])

    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
