"""A governance service stand-in on loopback: the control-channel WebSocket and the REST API.

The governance service is our own future server (``docs/governance-api-plan.md``); until it exists this
stand-in speaks its protocol so the agent's channel and clients are tested over real sockets: a
``websockets`` server for ``/v1/agents/connect`` and a Starlette app under uvicorn for ``/v1/...``. Both
run in one background thread with its own event loop, so a synchronous or asyncio test can script
faults between calls:

- control channel: refuse the handshake (wrong token or org), stop acknowledging heartbeats
  (``ack = False``), drop every connection after N heartbeats (``drop_after``), send junk first
  (``greeting``), TLS with a given context;
- REST: a queue of :class:`Fault` (status such as 429 with ``Retry-After``, 503 or 401; or a delay) that
  the next matching requests take, and :meth:`GovernanceAPI.stop` / :meth:`GovernanceAPI.start` to be
  unreachable and come back on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import ssl
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, TypeVar

from testsupport.processes import free_port

T = TypeVar("T")

# The stand-in's fixed test credentials, not secrets.
TOKEN = "test-token-7f3a"  # pragma: allowlist secret
ORG = "acme"
API_KEY = "agent-key-1"  # pragma: allowlist secret


class LoopThread:
    """An asyncio loop in a daemon thread; :meth:`call` runs a coroutine there and waits for its result."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="governance-stand-in", daemon=True)
        self._thread.start()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


# -- the control channel -----------------------------------------------------------------------------


@dataclass
class ControlServer:
    """The WebSocket end: checks ``Authorization: Bearer`` and ``X-Sentinel-Org``, acks heartbeats."""

    loop: LoopThread
    token: str = TOKEN
    org: str = ORG
    ssl_context: ssl.SSLContext | None = None
    ack: bool = True
    drop_after: int | None = None  # abort each connection after this many heartbeats
    greeting: list[str | bytes] = field(default_factory=list)  # sent first on each connection (junk, say)
    received: list[dict[str, Any]] = field(default_factory=list)
    handshakes: list[dict[str, str]] = field(default_factory=list)
    connections: int = 0
    port: int = 0
    _server: Any = None

    @property
    def url(self) -> str:
        scheme = "wss" if self.ssl_context else "ws"
        return f"{scheme}://127.0.0.1:{self.port}/v1/agents/connect"

    def start(self) -> ControlServer:
        self.loop.call(self._start())
        return self

    def stop(self) -> None:
        if self._server is not None:
            self.loop.call(self._stop())

    def heartbeats(self) -> list[dict[str, Any]]:
        return [m for m in list(self.received) if m.get("type") == "heartbeat"]

    async def _start(self) -> None:
        from websockets.asyncio.server import serve

        self._server = await serve(
            self._handle,
            "127.0.0.1",
            self.port or 0,
            process_request=self._check,
            ssl=self.ssl_context,
            max_size=64 * 1024,
        )
        self.port = next(iter(self._server.sockets)).getsockname()[1]

    async def _stop(self) -> None:
        self._server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 5)
        self._server = None

    def _check(self, connection: Any, request: Any) -> Any:
        headers = {k.lower(): v for k, v in request.headers.raw_items()}
        self.handshakes.append(headers)
        if (
            headers.get("authorization") != f"Bearer {self.token}"
            or headers.get("x-sentinel-org") != self.org
        ):
            return connection.respond(HTTPStatus.UNAUTHORIZED, "unauthorized\n")
        return None

    async def _handle(self, ws: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        self.connections += 1
        beats = 0
        with contextlib.suppress(ConnectionClosed):
            for junk in self.greeting:
                await ws.send(junk)
            async for raw in ws:
                message = json.loads(raw)
                self.received.append(message)
                if message.get("type") != "heartbeat":
                    continue
                beats += 1
                if self.ack:
                    await ws.send(
                        json.dumps({"type": "heartbeat_ack", "timestamp": message.get("timestamp")})
                    )
                if self.drop_after is not None and beats >= self.drop_after:
                    ws.transport.abort()  # a dropped TCP connection, no closing handshake
                    return


# -- the REST API ------------------------------------------------------------------------------------


@dataclass
class Fault:
    """What the next request under ``path`` gets instead of its answer (``times`` requests in a row)."""

    status: int | None = None
    retry_after: str | None = None
    delay_s: float = 0.0
    body: str | None = None  # a non-JSON body (an HTML error page from a proxy, say)
    path: str = "/"
    times: int = 1


@dataclass
class GovernanceAPI:
    loop: LoopThread
    token: str = TOKEN
    org: str = ORG
    api_key: str = API_KEY
    faults: list[Fault] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    policies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    pins: list[dict[str, Any]] = field(default_factory=list)
    audit_events: dict[str, dict[str, Any]] = field(default_factory=dict)
    audit_posts: int = 0
    refuse_events: set[str] = field(default_factory=set)  # event ids answered as rejected
    port: int = 0
    _server: Any = None
    _task: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> GovernanceAPI:
        """Listen (again) on the same port."""
        self.port = self.port or free_port()
        self.loop.call(self._start())
        return self

    def stop(self) -> None:
        if self._server is not None:
            self.loop.call(self._stop())

    async def _start(self) -> None:
        import uvicorn

        config = uvicorn.Config(
            self._app(),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.ensure_future(self._server.serve())
        for _ in range(500):
            if self._server.started:
                return
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)
        raise RuntimeError("governance API stand-in did not start")

    async def _stop(self) -> None:
        self._server.should_exit = True
        await asyncio.wait_for(self._task, 10)
        self._server = None

    def _take_fault(self, path: str) -> Fault | None:
        for fault in self.faults:
            if path.startswith(fault.path):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def _app(self) -> Any:
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import JSONResponse, Response
        from starlette.routing import Route

        def answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
            number = len(self.requests)
            return JSONResponse(
                body, status_code=status, headers={"X-Request-Id": f"req-{number}", **(headers or {})}
            )

        open_paths = {"/health", "/v1/auth/token", "/v1/auth/refresh"}

        async def gate(request: Request) -> Response | None:
            self.requests.append(
                {"method": request.method, "path": request.url.path, "headers": dict(request.headers)}
            )
            fault = self._take_fault(request.url.path)
            if fault is not None:
                if fault.delay_s:
                    await asyncio.sleep(fault.delay_s)
                if fault.body is not None:
                    return Response(fault.body, status_code=fault.status or 200, media_type="text/html")
                if fault.status is not None:
                    extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else None
                    return answer({"error": f"scripted {fault.status}"}, fault.status, extra)
            if request.url.path not in open_paths and (
                request.headers.get("authorization") != f"Bearer {self.token}"
                or request.headers.get("x-sentinel-org") != self.org
            ):
                return answer({"error": "token missing, expired or revoked"}, 401)
            return None

        async def health(request: Request) -> Response:
            return await gate(request) or answer({"status": "ok"})

        async def list_policies(request: Request) -> Response:
            refused = await gate(request)
            if refused:
                return refused
            items = [
                {"policy_id": pid, "revision": revs[-1]["revision"]}
                for pid, revs in sorted(self.policies.items())
            ]
            return answer({"policies": items})

        async def policy(request: Request) -> Response:
            refused = await gate(request)
            if refused:
                return refused
            pid = request.path_params["policy_id"]
            if request.method == "PUT":
                body = await request.json()
                content = body["content"]
                revs = self.policies.setdefault(pid, [])
                rev = {
                    "policy_id": pid,
                    "revision": str(len(revs) + 1),
                    "content": content,
                    "content_hash": hashlib.sha256(content.encode()).hexdigest(),
                    "message": body.get("message", ""),
                }
                revs.append(rev)
                return answer({k: rev[k] for k in ("policy_id", "revision", "content_hash")}, 201)
            revs = self.policies.get(pid, [])
            if not revs:
                return answer({"error": "no such policy"}, 404)
            wanted = request.query_params.get("revision")
            found = [r for r in revs if wanted is None or r["revision"] == wanted]
            return answer(found[-1]) if found else answer({"error": "no such revision"}, 404)

        async def diff(request: Request) -> Response:
            refused = await gate(request)
            if refused:
                return refused
            revs = {r["revision"]: r for r in self.policies.get(request.path_params["policy_id"], [])}
            old, new = revs.get(request.query_params["from"]), revs.get(request.query_params["to"])
            if old is None or new is None:
                return answer({"error": "no such revision"}, 404)
            a, b = set(old["content"].splitlines()), set(new["content"].splitlines())
            return answer({"added": sorted(b - a), "removed": sorted(a - b)})

        async def pin(request: Request) -> Response:
            refused = await gate(request)
            if refused:
                return refused
            body = await request.json()
            record = {"policy_id": request.path_params["policy_id"], **body}
            self.pins.append(record)
            return answer(record, 201)

        async def audit(request: Request) -> Response:
            refused = await gate(request)
            if refused:
                return refused
            self.audit_posts += 1
            body = await request.json()
            accepted, rejected = [], []
            for event in body["events"]:
                eid = event["event_id"]
                if eid in self.refuse_events:
                    rejected.append({"event_id": eid, "reason": "schema violation"})
                    continue
                self.audit_events.setdefault(eid, event)
                accepted.append(eid)
            return answer({"accepted": accepted, "rejected": rejected})

        async def token(request: Request) -> Response:
            refused = await gate(request)
            if refused:
                return refused
            body = await request.json()
            if body.get("api_key") != self.api_key:
                return answer({"error": "unknown api key"}, 401)
            return answer({"access_token": self.token, "refresh_token": "refresh-1", "expires_in": 900})

        async def refresh(request: Request) -> Response:
            refused = await gate(request)
            if refused:
                return refused
            body = await request.json()
            if body.get("refresh_token") != "refresh-1":
                return answer({"error": "refresh token expired"}, 401)
            return answer({"access_token": self.token, "refresh_token": "refresh-1", "expires_in": 900})

        async def validate(request: Request) -> Response:
            refused = await gate(request)
            if refused:
                return refused
            return answer(
                {
                    "valid": True,
                    "org_id": self.org,
                    "agent_id": "agent-1",
                    "expires_at": "2026-12-31T00:00:00Z",
                }
            )

        return Starlette(
            routes=[
                Route("/health", health),
                Route("/v1/policies", list_policies),
                Route("/v1/policies/{policy_id}", policy, methods=["GET", "PUT"]),
                Route("/v1/policies/{policy_id}/diff", diff),
                Route("/v1/policies/{policy_id}/pins", pin, methods=["POST"]),
                Route("/v1/audit/events", audit, methods=["POST"]),
                Route("/v1/auth/token", token, methods=["POST"]),
                Route("/v1/auth/refresh", refresh, methods=["POST"]),
                Route("/v1/auth/validate", validate),
            ]
        )


@contextlib.contextmanager
def governance(ssl_context: ssl.SSLContext | None = None) -> Iterator[tuple[ControlServer, GovernanceAPI]]:
    """Both halves of the stand-in, started; stopped (and the thread ended) on exit."""
    loop = LoopThread()
    control = ControlServer(loop, ssl_context=ssl_context).start()
    api = GovernanceAPI(loop).start()
    try:
        yield control, api
    finally:
        api.stop()
        control.stop()
        loop.close()
