"""Shared pieces of the gateway tests: real keys, real tokens, the real middleware around a small app."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry

from sentinel.runtime.gateway.deciders import GatewayDecider, LocalDecider
from sentinel.runtime.gateway.metrics import GatewayMetrics
from sentinel.runtime.gateway.middleware import PolicyGateway
from sentinel.runtime.identity.keys import SigningKey
from sentinel.runtime.identity.ports import FixedConstitution, StaticKeys
from sentinel.runtime.identity.revocation import Revocations
from sentinel.runtime.identity.tokens import TokenIssuer, TokenVerifier
from testsupport import gateway_apps as services
from testsupport import servers
from testsupport.processes import Server, free_port, require_program, start

AUDIENCE = "items-api"
ROUTES = ("/v1/items/{item}", "/v1/stream")
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate("gw-1", "ES256")


def mint(
    key: SigningKey, *, scope: str = "items:read", constitution_hash: str = services.HASH, **kw: object
) -> str:
    issuer = TokenIssuer(
        StaticKeys(signing=key), constitution=FixedConstitution({"default": constitution_hash})
    )
    return asyncio.run(issuer.issue(sub="alice", aud=AUDIENCE, scope=scope, **kw))  # type: ignore[arg-type]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def gateway(
    key: SigningKey,
    decider: GatewayDecider | None = None,
    *,
    registry: CollectorRegistry | None = None,
    revocations: Revocations | None = None,
    routes: Sequence[str] = ROUTES,
) -> PolicyGateway:
    verifier = TokenVerifier(StaticKeys(verification=[key.public()]), revocations=revocations)
    return PolicyGateway(
        services.inner_app(),
        verifier=verifier,
        decider=decider or LocalDecider(services.decider()),
        audience=AUDIENCE,
        routes=routes,
        metrics=GatewayMetrics(registry) if registry is not None else None,
    )


def client(app: PolicyGateway) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test")


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[Server]:
    program = require_program("redis-server", "apt-get install redis-server")
    server = servers.redis(program, tmp_path / "redis")
    try:
        yield server
    finally:
        server.stop()


def uvicorn(factory: str, tmp_path: Path, env: dict[str, str] | None = None) -> Server:
    """``factory`` (``module:function``) under uvicorn on a free loopback port, from the repository root."""
    import os

    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return start(argv, port, tmp_path / f"uvicorn-{port}.log", env={**os.environ, **(env or {})}, cwd=ROOT)
