"""The raw ASGI fast path for ``/v1/evaluate`` and ``/v1/data``: what it hands to Starlette, and
answers it must give exactly as the Starlette routes do."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sentinel.runtime.api.app import create_app
from sentinel.runtime.decision import Decider
from tests.runtime.api.conftest import DECISION_POLICY, Running
from testsupport.files import write

REQUEST = {"tenant": "acme", "subject": "bob", "action": "delete", "resource": "doc/1"}


@pytest.fixture
def decider(tmp_path: Path) -> Decider:
    write(tmp_path / "policy", "decision.rego", DECISION_POLICY)
    return Decider.from_folder([tmp_path / "policy"], [], decision_package="sentinel.decision")


def test_a_body_sent_in_chunks_is_decided(service: Running) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"tenant": "acme", "subject": "bob", '
        yield b'"action": "delete", '
        yield b'"resource": "doc/1"}'

    response = service.client.post("/v1/evaluate", content=chunks())
    assert response.status_code == 200
    assert response.json()["decision"] == "deny"


def test_the_reply_carries_its_content_length_and_type(service: Running) -> None:
    response = service.client.post("/v1/evaluate", json=REQUEST)
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    assert "transfer-encoding" not in response.headers


def test_another_method_on_evaluate_gets_opas_405_body(service: Running) -> None:
    response = service.client.get("/v1/evaluate")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_a_delete_on_data_gets_opas_405_body(service: Running) -> None:
    response = service.client.delete("/v1/data/sentinel/decision")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_a_path_that_only_starts_like_data_is_not_found(service: Running) -> None:
    assert service.client.post("/v1/datax", json={}).status_code == 404


def test_a_body_cut_short_by_the_client_is_answered_400_without_a_traceback(service: Running) -> None:
    with socket.create_connection(("127.0.0.1", service.server.port), timeout=10) as sock:
        sock.sendall(b"POST /v1/data/sentinel HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"input\":")
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(10)
        reply = sock.recv(4096)
    assert reply == b"" or reply.split(b" ", 2)[1] == b"400"
    assert service.client.get("/healthz").status_code == 200
    assert "Traceback" not in service.server.output()


def _post_both(decider: Decider, path: str, body: object) -> tuple[httpx.Response, httpx.Response]:
    """``body`` to ``path`` of one app in process: directly (the fast path) and mounted under a
    root path (Starlette's routes: the fast path leaves mounted apps alone)."""
    app = create_app(decider)

    async def post() -> tuple[httpx.Response, httpx.Response]:
        direct = httpx.ASGITransport(app=app)
        mounted = httpx.ASGITransport(app=app, root_path="/policy")
        async with httpx.AsyncClient(transport=direct, base_url="http://t") as one, httpx.AsyncClient(
            transport=mounted, base_url="http://t"
        ) as two:
            return await one.post(path, json=body), await two.post("/policy" + path, json=body)

    return asyncio.run(post())


def test_a_mounted_app_answers_through_starlette_the_same_decision(decider: Decider) -> None:
    fast, routed = _post_both(decider, "/v1/evaluate", REQUEST)
    assert fast.status_code == routed.status_code == 200
    strip = {"decision_id", "evaluated_at"}
    assert {k: v for k, v in fast.json().items() if k not in strip} == {
        k: v for k, v in routed.json().items() if k not in strip
    }
    for name in ("x-policy-decision", "x-policy-score", "x-constitution-hash", "content-type"):
        assert fast.headers[name] == routed.headers[name]


def test_a_mounted_app_answers_data_queries_through_starlette_the_same(decider: Decider) -> None:
    fast, routed = _post_both(decider, "/v1/data/sentinel/decision/deny?pretty", {"input": REQUEST})
    assert fast.status_code == routed.status_code == 200
    assert fast.json()["result"] == routed.json()["result"]
    assert fast.text.replace(fast.json()["decision_id"], "") == routed.text.replace(
        routed.json()["decision_id"], ""
    )
