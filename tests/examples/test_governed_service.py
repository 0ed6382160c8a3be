"""The plan's end-to-end path on real parts: the governed example under uvicorn on loopback, real Redis,
signed bundles served by nginx. Session -> token -> gateway -> SSE, then a new constitution refuses the
old token."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sentinel.runtime.bundles.build import build_bundle, sign_bundle
from sentinel.runtime.bundles.reader import read_bundle
from sentinel.runtime.bundles.signing import load_signing_key
from sentinel.runtime.identity.keys import SigningKey
from testsupport import servers
from testsupport.processes import Server, free_port, require_program, start

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "examples" / "governed_service" / "policy"
BUNDLE_KID = "governed-bundles"


@dataclass
class Deployment:
    base: str
    redis: Server
    www: Path
    bundle_pem: bytes
    policy: Path

    def publish(self, revision: str, blocked: list[str]) -> str:
        """Build and sign a bundle, put it where nginx serves it; its constitution hash."""
        data = self.policy / "governed" / "data.json"
        data.write_text(
            json.dumps({"blocked_subjects": blocked, "grantable_scopes": ["chat:read", "admin:training"]})
        )
        archive, _ = sign_bundle(
            build_bundle([self.policy], revision=revision), load_signing_key(self.bundle_pem, BUNDLE_KID)
        )
        staged = self.www / "bundle.tar.gz.tmp"
        staged.write_bytes(archive)
        stamp = time.time() + len(revision)  # a new mtime: nginx answers with a new ETag
        os.utime(staged, (stamp, stamp))
        staged.rename(self.www / "bundle.tar.gz")
        return read_bundle(archive).constitution_hash

    def active_hash(self) -> str | None:
        client = redis.Redis(host="127.0.0.1", port=self.redis.port)
        try:
            raw = client.get("constitution:default")
        finally:
            client.close()
        return None if raw is None else str(json.loads(raw)["hash"])

    def start_session(self, subject: str, scope: str = "chat:read") -> httpx.Response:
        return httpx.post(
            f"{self.base}/v1/sessions/start", json={"subject": subject, "scope": scope}, timeout=10
        )


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    redis_server = servers.redis(
        require_program("redis-server", "apt-get install redis-server"), tmp_path / "redis"
    )
    www = tmp_path / "www"
    www.mkdir()
    nginx = servers.nginx(require_program("nginx", "apt-get install nginx"), www, tmp_path / "nginx")
    policy = tmp_path / "policy"
    shutil.copytree(POLICY, policy)
    bundle_key = ec.generate_private_key(ec.SECP256R1())
    bundle_pem = bundle_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = tmp_path / "bundle.pub.pem"
    public.write_bytes(
        bundle_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    token_key = tmp_path / "token.pem"
    token_key.write_bytes(SigningKey.generate("governed-1", "ES256").private_pem())
    token_key.chmod(0o600)
    deployment = Deployment("", redis_server, www, bundle_pem, policy)
    deployment.publish("v1", ["mallory"])
    port = free_port()
    env = {
        **os.environ,
        "GOVERNED_REDIS_URL": f"redis://127.0.0.1:{redis_server.port}/0",
        "GOVERNED_BUNDLE_URL": f"http://127.0.0.1:{nginx.port}/bundle.tar.gz",
        "GOVERNED_BUNDLE_KEY": str(public),
        "GOVERNED_TOKEN_KEY": str(token_key),
        "GOVERNED_POLL_INTERVAL_S": "0.2",
    }
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "examples.governed_service.app:create_from_env",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    app = start(argv, port, tmp_path / "app.log", env=env, cwd=ROOT)
    deployment.base = f"http://127.0.0.1:{port}"
    try:
        yield deployment
    finally:
        app.stop()
        nginx.stop()
        redis_server.stop()


def stream(base: str, token: str) -> tuple[httpx.Response, list[dict[str, object]]]:
    events = []
    with httpx.stream(
        "GET", f"{base}/v1/chat/stream", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ) as r:
        for line in r.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    return r, events


def test_session_token_stream_then_a_new_constitution_refuses_the_old_token(deployment: Deployment) -> None:
    v1 = deployment.active_hash()
    started = deployment.start_session("alice")
    assert started.status_code == 200
    assert started.headers["x-policy-decision"] == "allow"
    token = started.json()["token"]
    assert started.json()["constitution_hash"] == v1

    response, events = stream(deployment.base, token)
    assert response.status_code == 200
    assert response.headers["x-policy-decision"] == "allow"
    assert response.headers["x-policy-score"] == "0"
    assert response.headers["x-constitution-hash"] == v1
    assert response.headers["traceparent"].startswith("00-")
    assert [e["n"] for e in events] == [0, 1, 2, 3, 4]
    assert all(e["subject"] == "alice" for e in events)

    v2 = deployment.publish("v2", ["mallory", "trudy"])
    assert v2 != v1
    deadline = time.monotonic() + 15
    while deployment.active_hash() != v2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert deployment.active_hash() == v2

    refused = httpx.get(
        f"{deployment.base}/v1/chat/stream", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    while refused.status_code == 200 and time.monotonic() < deadline:  # the reader's 0.5 s local copy
        time.sleep(0.1)
        refused = httpx.get(
            f"{deployment.base}/v1/chat/stream", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "constitution_mismatch"
    assert "data:" not in refused.text

    # The issuer reads the active hash through the same short-TTL reader: within that TTL after a change
    # it may still mint under the old hash (docs/runbooks/security.md), so wait until it mints under v2.
    fresh = deployment.start_session("alice")
    deadline = time.monotonic() + 10
    while fresh.json().get("constitution_hash") != v2 and time.monotonic() < deadline:
        time.sleep(0.1)
        fresh = deployment.start_session("alice")
    assert fresh.json()["constitution_hash"] == v2
    response, events = stream(deployment.base, fresh.json()["token"])
    assert response.status_code == 200
    assert response.headers["x-constitution-hash"] == v2
    assert len(events) == 5


def test_policy_denies_a_blocked_subject_a_session(deployment: Deployment) -> None:
    response = deployment.start_session("mallory")
    assert response.status_code == 403
    assert response.headers["x-policy-decision"] == "deny"
    assert "token" not in response.json()


def test_token_without_the_chat_scope_is_denied_the_stream(deployment: Deployment) -> None:
    token = deployment.start_session("alice", scope="").json()["token"]
    response = httpx.get(
        f"{deployment.base}/v1/chat/stream", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 403
    assert response.json()["error"]["reasons"][0]["rule"] == "chat.scope"


def test_training_mode_needs_the_admin_scope_and_is_exclusive(deployment: Deployment) -> None:
    admin = deployment.start_session("root", scope="admin:training").json()["token"]
    user = deployment.start_session("alice", scope="chat:read").json()["token"]

    def post(path: str, token: str) -> httpx.Response:
        return httpx.post(
            f"{deployment.base}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )

    assert post("/v1/training/enable", user).status_code == 403
    assert post("/v1/training/enable", admin).status_code == 200
    assert post("/v1/training/enable", admin).status_code == 409
    assert post("/v1/training/disable", admin).status_code == 200


def test_redis_killed_means_503_for_the_stream(deployment: Deployment) -> None:
    token = deployment.start_session("alice").json()["token"]
    deployment.redis.kill()
    response = httpx.get(
        f"{deployment.base}/v1/chat/stream", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 503
    assert "data:" not in response.text


def test_metrics_count_gateway_requests_by_route_and_decision(deployment: Deployment) -> None:
    token = deployment.start_session("alice").json()["token"]
    stream(deployment.base, token)
    httpx.get(f"{deployment.base}/v1/chat/stream", timeout=10)
    text = httpx.get(f"{deployment.base}/metrics", timeout=10).text
    assert 'gateway_requests_total{decision="allow",route="/v1/chat/stream"} 1.0' in text
    assert 'gateway_requests_total{decision="unauthorized",route="/v1/chat/stream"} 1.0' in text
    assert "# HELP training_mode_state" in text
