"""The two hot endpoints (``POST /v1/evaluate``, ``GET|POST /v1/data[/...]``) as raw ASGI.

``SentinelApp`` is the Starlette app with these requests taken before Starlette's middleware,
router and Request/Response objects, which cost more CPU per request than the decision itself.
The work is the same code (``routes.decide`` / ``routes.query``); only reading the body and
sending the reply differ. Everything else (other paths, other methods, a mounted app with a
``root_path``) goes through Starlette unchanged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import QueryParams

from sentinel.runtime.api import routes
from sentinel.runtime.api.body import too_large
from sentinel.runtime.api.errors import INTERNAL_ERROR, INVALID_PARAMETER, ApiError
from sentinel.runtime.api.reply import Reply
from sentinel.runtime.api.state import ServiceState

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

DATA_PREFIX = "/v1/data/"
_NO_PARAMS = QueryParams()


async def receive_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The raw body, at most ``limit`` bytes, as ``body.read_body`` reads it: ``Content-Length``
    checked first, then the received bytes counted (a chunked or lying client is cut off)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            if not value.isdigit():
                raise ApiError(400, INVALID_PARAMETER, "Content-Length is not a number")
            if int(value) > limit:
                raise too_large(limit)
            break
    chunks: list[bytes] = []
    total = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ApiError(400, INVALID_PARAMETER, "client disconnected before sending the whole body")
        chunk: bytes = message.get("body", b"")
        total += len(chunk)
        if total > limit:
            raise too_large(limit)
        if not message.get("more_body", False):
            if not chunks:
                return chunk
            chunks.append(chunk)
            return b"".join(chunks)
        chunks.append(chunk)


def _peer(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else ""


class SentinelApp(Starlette):
    """Starlette, with ``/v1/evaluate`` and ``/v1/data`` served as raw ASGI (see the module doc).
    ``service`` is also ``app.state.sentinel``; held here too (``app.state`` lookups cost a
    ``__getattr__`` per request)."""

    def __init__(self, *, service: ServiceState, **starlette: Any) -> None:
        super().__init__(**starlette)
        self.service = service
        self.state.sentinel = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            path: str = scope["path"]
            method: str = scope["method"]
            if path == "/v1/evaluate" and method == "POST":
                await self._answer(scope, receive, send, self._evaluate)
                return
            if (method == "POST" or method == "GET") and (path == "/v1/data" or path.startswith(DATA_PREFIX)):
                await self._answer(scope, receive, send, self._data)
                return
        await super().__call__(scope, receive, send)

    async def _answer(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        handler: Callable[[ServiceState, Scope, Receive, int], Awaitable[Reply]],
    ) -> None:
        started = time.perf_counter_ns()
        try:
            reply = await handler(self.service, scope, receive, started)
        except Exception as exc:  # never a traceback for a hostile request: 500 and one log line
            where = scope["path"][:200]
            log.error("unhandled error", extra={"path": where, "error_type": type(exc).__name__})
            reply = ApiError(500, INTERNAL_ERROR, "internal error").reply()
        await reply.send(send)

    @staticmethod
    async def _evaluate(state: ServiceState, scope: Scope, receive: Receive, started: int) -> Reply:
        try:
            raw = await receive_body(scope, receive, state.settings.max_body_bytes)
        except ApiError as exc:
            return exc.reply()
        return await routes.decide(state, raw, _peer(scope), started)

    @staticmethod
    async def _data(state: ServiceState, scope: Scope, receive: Receive, started: int) -> Reply:
        path: str = scope["path"]
        limit = state.settings.max_body_bytes

        async def read() -> bytes:
            return await receive_body(scope, receive, limit)

        query_string: bytes = scope.get("query_string", b"")
        params = QueryParams(query_string) if query_string else _NO_PARAMS
        sub_path = path[len(DATA_PREFIX):] if path.startswith(DATA_PREFIX) else ""
        return await routes.query(state, sub_path, scope["method"], params, read, _peer(scope), started)
