"""Server-sent events through the gateway under uvicorn: decided before the first byte, not buffered."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from sentinel.runtime.identity.keys import SigningKey
from tests.runtime.gateway.conftest import bearer, mint, uvicorn
from testsupport import gateway_apps as services


def test_sse_streams_event_by_event_with_the_policy_headers(key: SigningKey, tmp_path: Path) -> None:
    pem = tmp_path / "token.pem"
    pem.write_bytes(key.private_pem())
    pem.chmod(0o600)
    server = uvicorn(
        "tests.runtime.gateway.uvicorn_apps:items_gateway", tmp_path, {"GATEWAY_TEST_KEY": str(pem)}
    )
    try:
        url = f"http://127.0.0.1:{server.port}/v1/stream?n=4"
        arrivals: list[float] = []
        with httpx.stream("GET", url, headers=bearer(mint(key)), timeout=10) as response:
            started = time.perf_counter()
            assert response.status_code == 200
            assert response.headers["x-policy-decision"] == "allow"
            assert response.headers["x-constitution-hash"] == services.HASH
            assert response.headers["content-type"].startswith("text/event-stream")
            events = []
            for line in response.iter_lines():
                if line.startswith("data: "):
                    events.append(line)
                    arrivals.append(time.perf_counter() - started)
        assert len(events) == 4
        # The app sleeps 0.2 s between events: unbuffered, the first arrives well before the last.
        assert arrivals[-1] - arrivals[0] >= 0.4
    finally:
        server.stop()


def test_sse_without_a_token_gets_no_event(key: SigningKey, tmp_path: Path) -> None:
    server = uvicorn("tests.runtime.gateway.uvicorn_apps:items_gateway", tmp_path)
    try:
        response = httpx.get(f"http://127.0.0.1:{server.port}/v1/stream", timeout=10)
        assert response.status_code == 401
        assert "data:" not in response.text
    finally:
        server.stop()
