"""ASGI apps the gateway tests run: a small app behind the gateway, and the real decision service.

``decision_service`` is Sentinel's own ``/v1/evaluate`` service (``create_app``) with the test policy; with
``GATEWAY_TEST_DELAY_S`` set it answers that much later (a slow decision service, made slow by an ASGI
wrapper in front of the real one). Run it with ``uvicorn --factory testsupport.gateway_apps:...``.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from sentinel.runtime.decision.decider import Decider

HASH = "c0" * 32
POLICY = """package sentinel.decision

import rego.v1

deny contains {"rule": "items.write", "message": "writing items needs items:write", "weight": 7000} if {
\tinput.action != "GET"
\tnot "items:write" in input.context.scopes
}

deny contains {"rule": "items.secret", "message": "item 13 is secret", "weight": 10000} if {
\tinput.resource == "/v1/items/13"
}
"""
BROKEN = """package sentinel.decision

import rego.v1

deny contains x if {
\tx := 1 / count([])
}
"""
Scope = MutableMapping[str, Any]
ASGI = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


def decider(policy: str = POLICY, constitution_hash: str = HASH) -> Decider:
    return Decider.from_modules(
        [("policy.rego", policy)], {}, revision="r1", constitution_hash=constitution_hash
    )


async def _echo(request: Request) -> Response:
    """What the app saw: the gateway's headers on the request."""
    names = ("x-policy-decision", "x-policy-score", "x-constitution-hash", "traceparent", "tracestate")
    return JSONResponse({name: request.headers.getlist(name) for name in names})


async def _sse(request: Request) -> Response:
    count = int(request.query_params.get("n", "4"))

    async def events() -> AsyncIterator[bytes]:
        for number in range(count):
            yield f"data: {json.dumps({'n': number})}\n\n".encode()
            await asyncio.sleep(0.2)

    return StreamingResponse(events(), media_type="text/event-stream")


def inner_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/v1/items/{item}", _echo, methods=["GET", "POST"]),
            Route("/v1/stream", _sse, methods=["GET"]),
        ]
    )


def decision_service() -> ASGI:
    from sentinel.runtime.api.app import create_app

    app = create_app(decider())
    delay = float(os.environ.get("GATEWAY_TEST_DELAY_S", "0"))
    if not delay:
        return app

    async def slow(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await asyncio.sleep(delay)
        await app(scope, receive, send)

    return slow
