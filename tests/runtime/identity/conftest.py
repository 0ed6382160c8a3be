"""Shared pieces for the identity tests: real keys made per test, an injectable clock, real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sentinel.runtime.identity import SigningKey, StaticKeys, TokenError, TokenVerifier
from testsupport import servers
from testsupport.processes import Server, require_program

NOW = 1_800_000_000
ISSUER = "sentinel"
AUDIENCE = "chat-api"
REDIS_HINT = "apt-get install redis-server"


@dataclass
class Clock:
    """An injected clock: tests move time by setting ``now``."""

    now: float = NOW

    def __call__(self) -> float:
        return self.now


def claims(**overrides: Any) -> dict[str, Any]:
    """A well-formed claim set valid at NOW; ``None`` in overrides removes a claim."""
    base: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "alice",
        "aud": AUDIENCE,
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + 300,
        "jti": "jti-0001",
        "scope": "chat:read",
        "tenant": "acme",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


@pytest.fixture
def es_key() -> SigningKey:
    return SigningKey.generate("es-1", "ES256")


@pytest.fixture
def ed_key() -> SigningKey:
    return SigningKey.generate("ed-1", "EdDSA")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def verifier(es_key: SigningKey, ed_key: SigningKey, clock: Clock) -> TokenVerifier:
    return TokenVerifier(
        StaticKeys(verification=[es_key.public(), ed_key.public()]), issuer=ISSUER, clock=clock
    )


def reason_of(verifier: TokenVerifier, token: str, audience: str = AUDIENCE) -> str:
    """The reason ``verifier`` refuses ``token`` with; fails the test if the token passes."""
    try:
        asyncio.run(verifier.verify(token, audience=audience))
    except TokenError as exc:
        return exc.reason
    pytest.fail("the token was accepted")


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[Server]:
    program = require_program("redis-server", REDIS_HINT)
    server = servers.redis(program, tmp_path / "redis")
    try:
        yield server
    finally:
        server.stop()


def redis_url(server: Server) -> str:
    return f"redis://127.0.0.1:{server.port}/0"
