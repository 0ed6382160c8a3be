"""Verification keys from a remote JWKS served by a real nginx: new keys are picked up, an unreachable
or unusable JWKS fails closed once no usable copy is left."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sentinel.runtime.identity import JwksClient, SigningKey, StaticKeys, TokenIssuer, TokenVerifier
from sentinel.runtime.identity.errors import TokenError
from testsupport import servers
from testsupport.processes import Server, require_program

from .conftest import AUDIENCE, Clock


@pytest.fixture
def www(tmp_path: Path) -> Path:
    root = tmp_path / "www"
    root.mkdir()
    return root


@pytest.fixture
def nginx(tmp_path: Path, www: Path) -> Iterator[Server]:
    server = servers.nginx(require_program("nginx", "apt-get install -y nginx"), www, tmp_path / "nginx")
    try:
        yield server
    finally:
        server.stop()


def _publish(www: Path, *keys: SigningKey) -> None:
    (www / "jwks.json").write_text(json.dumps({"keys": [key.public().jwk() for key in keys]}))


def _outcomes(server: Server, tokens: list[str], between: Any = None, **kwargs: Any) -> list[str]:
    """Verify each token in turn (``between(i)`` runs before token i), through one JwksClient."""

    async def scenario() -> list[str]:
        results = []
        async with httpx.AsyncClient(timeout=2.0) as http:
            source = JwksClient(f"http://127.0.0.1:{server.port}/jwks.json", http, **kwargs)
            verifier = TokenVerifier(source)
            for index, token in enumerate(tokens):
                if between is not None:
                    between(index)
                try:
                    results.append((await verifier.verify(token, audience=AUDIENCE)).kid)
                except TokenError as exc:
                    results.append(exc.reason)
        return results

    return asyncio.run(scenario())


def _token(key: SigningKey) -> str:
    return asyncio.run(TokenIssuer(StaticKeys(key)).issue(sub="alice", aud=AUDIENCE))


def test_token_verifies_with_a_key_from_the_remote_jwks(www: Path, nginx: Server, es_key: SigningKey) -> None:
    _publish(www, es_key)
    assert _outcomes(nginx, [_token(es_key)]) == ["es-1"]


def test_key_published_later_is_fetched_for_its_first_token(
    www: Path, nginx: Server, es_key: SigningKey, ed_key: SigningKey
) -> None:
    _publish(www, es_key)

    def rotate(index: int) -> None:
        if index == 1:
            _publish(www, es_key, ed_key)

    assert _outcomes(nginx, [_token(es_key), _token(ed_key)], rotate, min_refresh_s=0) == ["es-1", "ed-1"]


def test_cached_copy_serves_while_the_jwks_is_briefly_unreachable(
    www: Path, nginx: Server, es_key: SigningKey
) -> None:
    _publish(www, es_key)
    clock = Clock(0)

    def outage(index: int) -> None:
        if index == 1:
            nginx.stop()
            clock.now = 120  # past the TTL, within max_stale

    result = _outcomes(nginx, [_token(es_key)] * 2, outage, ttl_s=60, max_stale_s=600, clock=clock)
    assert result == ["es-1", "es-1"]


def test_copy_older_than_max_stale_fails_closed(www: Path, nginx: Server, es_key: SigningKey) -> None:
    _publish(www, es_key)
    clock = Clock(0)

    def outage(index: int) -> None:
        if index == 1:
            nginx.stop()
            clock.now = 601

    result = _outcomes(nginx, [_token(es_key)] * 2, outage, ttl_s=60, max_stale_s=600, clock=clock)
    assert result == ["es-1", "unavailable"]


def test_jwks_with_a_symmetric_key_is_not_trusted(www: Path, nginx: Server, es_key: SigningKey) -> None:
    (www / "jwks.json").write_text(
        json.dumps({"keys": [{"kty": "oct", "kid": "es-1", "alg": "HS256", "k": "c2VjcmV0"}]})
    )
    assert _outcomes(nginx, [_token(es_key)]) == ["unavailable"]


def test_oversized_jwks_is_not_trusted(www: Path, nginx: Server, es_key: SigningKey) -> None:
    (www / "jwks.json").write_text(json.dumps({"keys": [es_key.public().jwk()], "pad": "x" * 300_000}))
    assert _outcomes(nginx, [_token(es_key)]) == ["unavailable"]


def test_missing_jwks_fails_closed(nginx: Server, es_key: SigningKey) -> None:
    assert _outcomes(nginx, [_token(es_key)]) == ["unavailable"]
