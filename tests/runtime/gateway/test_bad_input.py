"""Hostile and broken input: oversized headers, malformed Authorization, 1 MB tokens, Redis gone,
the decision service unreachable or slow. Nothing is forwarded; every answer is quick and closed."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from sentinel.runtime.bundles.cache import connect
from sentinel.runtime.gateway.deciders import RemoteDecider
from sentinel.runtime.identity.keys import SigningKey
from sentinel.runtime.identity.revocation import Revocations
from tests.runtime.gateway.conftest import bearer, client, gateway, mint, uvicorn
from testsupport.processes import Server, free_port


def send(app: Any, headers: Any) -> tuple[httpx.Response, float]:
    async def go() -> httpx.Response:
        async with client(app) as http:
            return await http.get("/v1/items/1", headers=headers)

    started = time.perf_counter()
    response = asyncio.run(go())
    return response, time.perf_counter() - started


def test_oversized_headers_are_431(key: SigningKey) -> None:
    headers = {**bearer(mint(key)), "X-Padding": "p" * 20_000}
    response, _ = send(gateway(key), headers)
    assert response.status_code == 431
    assert response.json()["error"]["code"] == "headers_too_large"


def test_too_many_headers_are_431(key: SigningKey) -> None:
    headers = [("Authorization", f"Bearer {mint(key)}")] + [(f"X-H{i}", "1") for i in range(150)]
    assert send(gateway(key), headers)[0].status_code == 431


@pytest.mark.parametrize(
    "value",
    [
        "Basic YWxpY2U6c2VjcmV0",
        "Bearer",
        "Bearer ",
        "Bearer  two-spaces",
        "Bearer a b",
        'Bearer a"b',
        "Token abc",
        "bearer,abc",
    ],
)
def test_malformed_authorization_is_401_malformed(key: SigningKey, value: str) -> None:
    response, _ = send(gateway(key), {"Authorization": value})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "malformed"


def test_two_authorization_headers_are_401(key: SigningKey) -> None:
    token = mint(key)
    response, _ = send(
        gateway(key), [("Authorization", f"Bearer {token}"), ("Authorization", f"Bearer {token}")]
    )
    assert response.status_code == 401


def test_non_ascii_authorization_is_401(key: SigningKey) -> None:
    response, _ = send(gateway(key), [(b"Authorization", "Bearer caf\u00e9".encode())])
    assert response.status_code == 401


def test_garbage_bearer_is_401_malformed_by_the_verifier(key: SigningKey) -> None:
    response, _ = send(gateway(key), {"Authorization": "Bearer not-a-jwt"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "malformed"


def test_one_megabyte_token_is_refused_quickly(key: SigningKey) -> None:
    response, seconds = send(gateway(key), {"Authorization": "Bearer " + "a" * (1 << 20)})
    assert response.status_code in (401, 431)
    assert seconds < 1.0


def test_one_megabyte_token_through_uvicorn_never_reaches_the_app(tmp_path: Path) -> None:
    server = uvicorn("tests.runtime.gateway.uvicorn_apps:items_gateway", tmp_path)
    try:
        started = time.perf_counter()
        response = httpx.get(
            f"http://127.0.0.1:{server.port}/v1/items/1",
            headers={"Authorization": "Bearer " + "a" * (1 << 20)},
            timeout=10,
        )
        assert 400 <= response.status_code < 500
        assert time.perf_counter() - started < 5.0
    finally:
        server.stop()


def test_redis_unreachable_is_503_and_nothing_is_allowed(key: SigningKey, redis_server: Server) -> None:
    token = mint(key)

    async def scenario() -> tuple[int, int, str]:
        redis = connect(f"redis://127.0.0.1:{redis_server.port}/0", timeout=0.5)
        app = gateway(key, revocations=Revocations(redis))
        async with client(app) as http:
            before = (await http.get("/v1/items/1", headers=bearer(token))).status_code
            redis_server.kill()
            after = await http.get("/v1/items/1", headers=bearer(token))
        await redis.aclose()
        return before, after.status_code, after.json()["error"]["code"]

    before, after, code = asyncio.run(scenario())
    assert before == 200
    assert after == 503
    assert code == "unavailable"


def test_remote_decider_allows_through_the_real_decision_service(key: SigningKey, tmp_path: Path) -> None:
    service = uvicorn("testsupport.gateway_apps:decision_service", tmp_path)
    try:
        remote = RemoteDecider(f"http://127.0.0.1:{service.port}", timeout_s=2.0)
        response, _ = send(gateway(key, remote), bearer(mint(key)))
        assert response.status_code == 200
        assert response.headers["x-policy-decision"] == "allow"
    finally:
        service.stop()


def test_decision_service_unreachable_is_503(key: SigningKey) -> None:
    remote = RemoteDecider(f"http://127.0.0.1:{free_port()}", timeout_s=0.5)
    response, seconds = send(gateway(key, remote), bearer(mint(key)))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unreachable"
    assert seconds < 2.0


def test_slow_decision_service_is_503_after_the_timeout(key: SigningKey, tmp_path: Path) -> None:
    service = uvicorn(
        "testsupport.gateway_apps:decision_service", tmp_path, env={"GATEWAY_TEST_DELAY_S": "1.5"}
    )
    try:
        remote = RemoteDecider(f"http://127.0.0.1:{service.port}", timeout_s=0.3)
        response, seconds = send(gateway(key, remote), bearer(mint(key)))
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "timeout"
        assert seconds < 2.0
    finally:
        service.stop()


def test_revoked_token_is_401_revoked(key: SigningKey, redis_server: Server) -> None:
    token = mint(key)

    async def scenario() -> tuple[int, str]:
        from sentinel.runtime.identity.tokens import unverified_part

        redis = connect(f"redis://127.0.0.1:{redis_server.port}/0", timeout=0.5)
        revocations = Revocations(redis)
        claims = unverified_part(token.split(".")[1], "payload")
        await revocations.revoke(claims["jti"], claims["exp"], now=time.time())
        async with client(gateway(key, revocations=revocations)) as http:
            response = await http.get("/v1/items/1", headers=bearer(token))
        await redis.aclose()
        return response.status_code, response.json()["error"]["code"]

    assert asyncio.run(scenario()) == (401, "revoked")
