"""``create_app``: the decision service as a Starlette app, with everything it holds on ``app.state``."""

from __future__ import annotations

import contextlib
import functools
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sentinel.runtime.api import routes
from sentinel.runtime.api.errors import INTERNAL_ERROR, error_response
from sentinel.runtime.api.fastpath import SentinelApp
from sentinel.runtime.api.ports import DeciderPort
from sentinel.runtime.api.settings import ServiceSettings
from sentinel.runtime.api.state import ServiceState
from sentinel.runtime.logs.sink import DecisionLogSink

log = logging.getLogger(__name__)

_HTTP_CODES = {400: "invalid_parameter", 404: "resource_not_found", 405: "method_not_allowed"}


async def _http_error(_request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):
        return error_response(500, INTERNAL_ERROR, "internal error")
    code = _HTTP_CODES.get(exc.status_code, INTERNAL_ERROR)
    return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error", extra={"path": request.url.path[:200], "error_type": type(exc).__name__})
    return error_response(500, INTERNAL_ERROR, "internal error")


Endpoint = Callable[[Request], Awaitable[Response]]


def _guarded(endpoint: Endpoint) -> Endpoint:
    """A 500 JSON body and one structured log line for anything the endpoint did not expect.

    Starlette's exception handlers re-raise to the server, which prints a traceback: a hostile
    request must never produce one, so the endpoints catch here.
    """

    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except Exception as exc:
            return await _internal_error(request, exc)

    return guarded


def create_app(
    decider: DeciderPort | None = None,
    *,
    loader: Callable[[], DeciderPort] | None = None,
    settings: ServiceSettings | None = None,
    decision_log: DecisionLogSink | None = None,
    extra_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """The service. Give a loaded ``decider``, or a ``loader`` that builds one (called at start-up in
    a thread, and again on reload); the app is unready (``/readyz`` 503, every decision deny) until
    one is loaded. Decision-log records go to the ``decision_log`` sink through a bounded queue
    started and closed with the app (its drops are the ``decision_log_dropped_total`` metric).
    ``extra_routes`` are mounted beside the service's own (bundle sync's ``/v1/constitution``, for one)."""
    if decider is None and loader is None:
        raise ValueError("create_app needs a decider or a loader")
    settings = settings or ServiceSettings()
    state = ServiceState(settings=settings, decider=decider, loader=loader, decision_log=decision_log)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        import asyncio

        state.start()
        if state.decider is None:
            await state.reload()
        loop = asyncio.get_running_loop()
        if settings.reload_on_sighup:
            loop.add_signal_handler(signal.SIGHUP, lambda: state.spawn(state.reload()))
        try:
            yield
        finally:
            if settings.reload_on_sighup:
                loop.remove_signal_handler(signal.SIGHUP)
            state.close()

    app_routes: list[BaseRoute] = [
        Route("/v1/evaluate", _guarded(routes.evaluate), methods=["POST"]),
        Route("/v1/data", _guarded(routes.data), methods=["GET", "POST"]),
        Route("/v1/data/{path:path}", _guarded(routes.data), methods=["GET", "POST"]),
        Route("/healthz", routes.healthz, methods=["GET"]),
        Route("/health", routes.health, methods=["GET"]),
        Route("/readyz", routes.readyz, methods=["GET"]),
        Route("/metrics", routes.metrics, methods=["GET"]),
        *extra_routes,
    ]
    # The Starlette routes for /v1/evaluate and /v1/data stay: they answer methods the fast path
    # leaves to Starlette (405) and requests under a root_path (a mounted app).
    app = SentinelApp(
        service=state,
        routes=app_routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
    )
    return app
