"""``PolicyGateway``: a plain ASGI middleware that decides every request before the app sees it.

Order, for each HTTP request: header limits (431), the bearer token (401 with the reason code, 503 when
the token could not be checked: Redis or the constitution unreachable), the decision request
(method, route, subject, tenant, scopes), the decision (in process or remote; 503 when it could not be
made, 403 on deny), then the app, with ``X-Policy-Decision``, ``X-Policy-Score``,
``X-Constitution-Hash`` and ``traceparent`` set on the request and on the response. Copies of those
headers sent by the client are dropped. The response is passed through message by message, so
server-sent events and chunked bodies stream unbuffered; the decision is made before the first byte.
WebSocket connections are closed (code 1008): this gateway decides HTTP requests only.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from sentinel.runtime.decision.models import Decision, DecisionRequest
from sentinel.runtime.gateway.deciders import DecisionUnavailable, GatewayDecider
from sentinel.runtime.gateway.headers import (
    POLICY_HEADERS,
    TRACEPARENT,
    TRACESTATE,
    HeaderLimits,
    HeaderRefused,
    bearer_token,
    check_size,
    trace_headers,
)
from sentinel.runtime.gateway.routes import RouteTable
from sentinel.runtime.identity.errors import TokenError, http_status

if TYPE_CHECKING:
    from sentinel.runtime.gateway.metrics import GatewayMetrics
    from sentinel.runtime.identity.tokens import Claims, TokenVerifier

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger(__name__)

SCOPE_KEY = "sentinel.gateway"
DEFAULT_TENANT = "default"
MAX_PATH_CHARS = 2048
_OWN_HEADERS = frozenset({*POLICY_HEADERS, TRACEPARENT, TRACESTATE})


@dataclass(frozen=True)
class GatewayContext:
    """What the gateway decided, for the app: ``scope["sentinel.gateway"]``."""

    claims: Claims
    decision: Decision
    route: str
    traceparent: str


class _Refusal(Exception):
    def __init__(self, status: int, outcome: str, reason: str, message: str) -> None:
        super().__init__(reason)
        self.status = status
        self.outcome = outcome
        self.reason = reason
        self.message = message


class PolicyGateway:
    """Wraps ``app``; see the module docstring. ``audience`` is the ``aud`` tokens must name;
    ``routes`` are the route templates of the label and the policy input."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        verifier: TokenVerifier,
        decider: GatewayDecider,
        audience: str,
        routes: Sequence[str] = (),
        metrics: GatewayMetrics | None = None,
        limits: HeaderLimits | None = None,
    ) -> None:
        self.app = app
        self._verifier = verifier
        self._decider = decider
        self._audience = audience
        self._routes = RouteTable(routes)
        self._metrics = metrics
        self._limits = limits or HeaderLimits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await receive()
            await send({"type": "websocket.close", "code": 1008})
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers") or [])
        path: str = scope.get("path", "")
        route = self._routes.label(path)
        traceparent, tracestate = trace_headers(headers)
        try:
            claims, decision = await self._decide(scope, headers, path, route)
        except _Refusal as refusal:
            self._record(route, refusal.outcome, started)
            log.info(
                "gateway refused a request",
                extra={"route": route, "status": refusal.status, "reason": refusal.reason},
            )
            await _refuse(send, refusal, traceparent, None)
            return
        policy = [
            (b"x-policy-decision", decision.decision.encode()),
            (b"x-policy-score", str(decision.score).encode()),
            (b"x-constitution-hash", decision.constitution_hash.encode()),
            (TRACEPARENT, traceparent.encode()),
        ]
        if decision.decision != "allow":
            self._record(route, "deny", started)
            log.info(
                "gateway denied a request",
                extra={"route": route, "tenant": claims.tenant or DEFAULT_TENANT, "score": decision.score},
            )
            denied = _Refusal(403, "deny", "denied", "the policy denies this request")
            await _refuse(send, denied, traceparent, policy, decision)
            return
        forwarded = [(name, value) for name, value in headers if name not in _OWN_HEADERS]
        forwarded.extend(policy)
        if tracestate is not None:
            forwarded.append((TRACESTATE, tracestate))
        inner = dict(scope)
        inner["headers"] = forwarded
        inner[SCOPE_KEY] = GatewayContext(claims, decision, route, traceparent)
        self._record(route, "allow", started)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = [(k, v) for k, v in message.get("headers") or [] if k.lower() not in _OWN_HEADERS]
                message = {**message, "headers": own + policy}
            await send(message)

        await self.app(inner, receive, send_with_headers)

    async def _decide(
        self, scope: Scope, headers: list[tuple[bytes, bytes]], path: str, route: str
    ) -> tuple[Claims, Decision]:
        try:
            check_size(headers, self._limits)
            token = bearer_token(headers, self._limits)
        except HeaderRefused as exc:
            outcome = "rejected" if exc.status == 431 else "unauthorized"
            raise _Refusal(exc.status, outcome, exc.reason, exc.message) from None
        if len(path) > MAX_PATH_CHARS:
            raise _Refusal(414, "rejected", "path_too_long", "the request path is too long")
        try:
            claims = await self._verifier.verify(token, audience=self._audience)
        except TokenError as exc:
            status = http_status(exc.reason)
            outcome = "unavailable" if status == 503 else "unauthorized"
            raise _Refusal(status, outcome, exc.reason, exc.message) from None
        try:
            request = DecisionRequest(
                tenant=claims.tenant or DEFAULT_TENANT,
                subject=claims.sub,
                action=str(scope.get("method", "GET")),
                resource=path,
                context={
                    "route": route,
                    "scopes": list(claims.scope),
                    "audience": claims.aud,
                    "token_constitution_hash": claims.constitution_hash,
                },
            )
        except ValidationError:
            raise _Refusal(400, "rejected", "bad_request", "the request cannot be decided") from None
        try:
            decision = await self._decider.decide(request)
        except DecisionUnavailable as exc:
            log.warning(
                "gateway could not decide",
                extra={"route": route, "reason": exc.reason, "tenant": request.tenant},
            )
            raise _Refusal(503, "unavailable", exc.reason, "the request could not be decided") from None
        if (
            claims.constitution_hash is not None
            and not claims.constitution_stale
            and decision.constitution_hash != claims.constitution_hash
        ):
            message = "the token was issued under another constitution"
            raise _Refusal(401, "unauthorized", "constitution_mismatch", message)
        return claims, decision

    def _record(self, route: str, outcome: str, started: float) -> None:
        if self._metrics is not None:
            self._metrics.record(route, outcome, time.perf_counter() - started)


async def _refuse(
    send: Send,
    refusal: _Refusal,
    traceparent: str,
    policy: list[tuple[bytes, bytes]] | None,
    decision: Decision | None = None,
) -> None:
    error: dict[str, Any] = {"code": refusal.reason, "message": refusal.message}
    if decision is not None:
        error["reasons"] = [r.model_dump() for r in decision.reasons]
        error["decision_id"] = decision.decision_id
    body = json.dumps({"error": error}, separators=(",", ":")).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    if policy is not None:
        headers.extend(policy)
    else:
        headers.extend([(b"x-policy-decision", b"deny"), (TRACEPARENT, traceparent.encode())])
    if refusal.status == 401:
        challenge = f'Bearer error="invalid_token", error_description="{refusal.reason}"'
        headers.append((b"www-authenticate", challenge.encode()))
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
