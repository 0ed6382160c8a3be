"""The governed service: the plan's path from a session to a streamed answer, every step decided by policy.

- ``POST /v1/sessions/start`` ``{"subject", "tenant"?, "scope"?}``: decided (action ``session.start``),
  then a token is minted that names the active constitution. This endpoint stands in for a login: it
  trusts the subject it is given, so put real authentication in front of it before any real use.
- ``GET /v1/chat/stream``: server-sent events, behind :class:`PolicyGateway` (token, decision, headers).
- ``POST /v1/training/enable`` and ``/v1/training/disable``: the training-mode lock, behind the gateway
  and decided again as ``training.enable`` / ``training.disable`` (the admin capability is a policy).
- ``GET /metrics``: Prometheus text of this app's own registry.

Policies arrive as signed OPA bundles polled from ``bundle_url`` (verified with the trusted public key);
each activation writes ``constitution:{tenant}`` to Redis, which the token verifier reads: after a new
bundle, tokens minted under the old constitution are refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route

from sentinel.runtime.decision.models import Decision, DecisionRequest
from sentinel.runtime.gateway.deciders import DecisionUnavailable, LocalDecider
from sentinel.runtime.gateway.metrics import GatewayMetrics
from sentinel.runtime.gateway.middleware import SCOPE_KEY, GatewayContext, PolicyGateway
from sentinel.runtime.training.lock import Lease

AUDIENCE = "governed-service"
MAX_BODY_BYTES = 16 * 1024
STREAM_ROUTE = "/v1/chat/stream"


@dataclass(frozen=True)
class Config:
    """Where things are. ``token_key`` is a PEM private key (ES256 or EdDSA, mode 0600) with id ``token_kid``;
    ``bundle_key`` the PEM public key bundles must be signed with (id ``bundle_kid``)."""

    redis_url: str
    bundle_url: str
    bundle_key: Path
    token_key: Path
    bundle_kid: str = "governed-bundles"
    token_kid: str = "governed-1"
    audience: str = AUDIENCE
    poll_interval_s: float = 1.0
    token_ttl_s: int = 300
    stream_events: int = 5
    stream_delay_s: float = 0.05
    constitution_ttl_s: float = 0.5

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        """The configuration from ``GOVERNED_*`` variables; SystemExit with one line when one is missing."""
        required = ("GOVERNED_REDIS_URL", "GOVERNED_BUNDLE_URL", "GOVERNED_BUNDLE_KEY", "GOVERNED_TOKEN_KEY")
        missing = [name for name in required if not env.get(name)]
        if missing:
            raise SystemExit(f"governed service: set {', '.join(missing)} (see the README)")
        try:
            interval = float(env.get("GOVERNED_POLL_INTERVAL_S", "1.0"))
        except ValueError:
            raise SystemExit("governed service: GOVERNED_POLL_INTERVAL_S is a number of seconds") from None
        return cls(
            redis_url=env["GOVERNED_REDIS_URL"],
            bundle_url=env["GOVERNED_BUNDLE_URL"],
            bundle_key=Path(env["GOVERNED_BUNDLE_KEY"]),
            token_key=Path(env["GOVERNED_TOKEN_KEY"]),
            poll_interval_s=interval,
        )


@dataclass
class _Leases:
    """Training leases held by this instance, per tenant (app state, not global)."""

    by_tenant: dict[str, Lease] = field(default_factory=dict)


class _ActiveDecider:
    """The decider the bundle target holds right now; raises while no bundle is active (fail closed)."""

    def __init__(self, target: Any) -> None:
        self._target = target

    def evaluate(self, request: DecisionRequest) -> Decision:
        decider = self._target.decider
        if decider is None:
            raise DecisionUnavailable("no_constitution", "no verified bundle is active yet")
        result: Decision = decider.evaluate(request)
        return result


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _policy_headers(decision: Decision) -> dict[str, str]:
    return {
        "X-Policy-Decision": decision.decision,
        "X-Policy-Score": str(decision.score),
        "X-Constitution-Hash": decision.constitution_hash,
    }


def create_app(config: Config) -> Starlette:
    """The app, its bundle sync, Redis clients and token issuer; all started and closed with it."""
    from prometheus_client import CollectorRegistry, generate_latest

    from sentinel.runtime.api.body import parse_json, read_body
    from sentinel.runtime.api.errors import ApiError
    from sentinel.runtime.bundles.cache import ConstitutionCache, ConstitutionReader, connect
    from sentinel.runtime.bundles.service import CacheStep, ServiceTarget
    from sentinel.runtime.bundles.signing import KeySet
    from sentinel.runtime.bundles.sync import BundleSync, SyncConfig, start_all, stop_all
    from sentinel.runtime.events.redis_streams import RedisStreamsBus
    from sentinel.runtime.identity.audit import IdentityAudit
    from sentinel.runtime.identity.errors import IdentityUnavailable, IssueError
    from sentinel.runtime.identity.keys import load_private_pem
    from sentinel.runtime.identity.ports import ReaderConstitution, StaticKeys
    from sentinel.runtime.identity.revocation import Revocations
    from sentinel.runtime.identity.tokens import TokenIssuer, TokenVerifier
    from sentinel.runtime.training.lock import TrainingLock, TrainingUnavailable
    from sentinel.runtime.training.mode import TrainingBusy, TrainingForbidden, TrainingMode

    registry = CollectorRegistry()
    redis = connect(config.redis_url, timeout=0.5)
    cache = ConstitutionCache(redis)
    constitution = ReaderConstitution(ConstitutionReader(cache, ttl=config.constitution_ttl_s))
    bus = RedisStreamsBus(redis)
    keys = StaticKeys(signing=load_private_pem(config.token_key.read_bytes(), config.token_kid))
    issuer = TokenIssuer(
        keys, default_ttl_s=config.token_ttl_s, constitution=constitution, audit=IdentityAudit(bus)
    )
    verifier = TokenVerifier(keys, revocations=Revocations(redis), constitution=constitution)
    target = ServiceTarget()
    sync = BundleSync(
        SyncConfig(
            url=config.bundle_url,
            keys=KeySet.from_pem(config.bundle_key.read_bytes(), config.bundle_kid),
            interval_s=config.poll_interval_s,
            min_retry_s=min(1.0, config.poll_interval_s),
        ),
        target,
        after_activation=(CacheStep(cache),),
    )
    decider = LocalDecider(_ActiveDecider(target))
    training = TrainingMode(TrainingLock(redis), decider, bus, registry)
    leases = _Leases()

    async def start_session(request: Request) -> Response:
        try:
            body = parse_json(await read_body(request, MAX_BODY_BYTES))
        except ApiError as exc:
            return exc.response()
        if not isinstance(body, dict) or not isinstance(body.get("subject"), str):
            return _error(400, "invalid_parameter", "the body is {subject, tenant?, scope?}")
        tenant = body.get("tenant", "default")
        scope = body.get("scope", "")
        if not isinstance(tenant, str) or not isinstance(scope, str):
            return _error(400, "invalid_parameter", "tenant and scope are strings")
        try:
            decision = await decider.decide(
                DecisionRequest(
                    tenant=tenant,
                    subject=body["subject"],
                    action="session.start",
                    resource="sessions",
                    context={"scopes": [s for s in scope.split(" ") if s]},
                )
            )
        except DecisionUnavailable:
            return _error(503, "unavailable", "the session could not be decided")
        except ValueError:
            return _error(400, "invalid_parameter", "the subject or tenant is not valid")
        if decision.decision != "allow":
            return JSONResponse(
                {"error": {"code": "denied", "reasons": [r.model_dump() for r in decision.reasons]}},
                status_code=403,
                headers=_policy_headers(decision),
            )
        try:
            issued = await issuer.mint(
                sub=body["subject"], aud=config.audience, scope=scope, tenant=tenant,
                requester=body["subject"],
            )
        except IssueError as exc:
            return _error(400, "invalid_parameter", exc.message)
        except IdentityUnavailable:
            return _error(503, "unavailable", "the token could not be issued")
        return JSONResponse(
            {
                "token": issued.token,
                "expires_at": issued.claims.exp,
                "constitution_hash": issued.claims.constitution_hash,
            },
            headers=_policy_headers(decision),
        )

    async def stream(request: Request) -> Response:
        context: GatewayContext = request.scope[SCOPE_KEY]

        async def events() -> AsyncIterator[bytes]:
            for number in range(config.stream_events):
                data = json.dumps({"n": number, "subject": context.claims.sub})
                yield f"id: {number}\nevent: message\ndata: {data}\n\n".encode()
                await asyncio.sleep(config.stream_delay_s)

        return StreamingResponse(
            events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    async def training_enable(request: Request) -> Response:
        context: GatewayContext = request.scope[SCOPE_KEY]
        tenant = context.claims.tenant or "default"
        try:
            lease = await training.enable(tenant, context.claims.sub, context.claims.scope)
        except TrainingForbidden as exc:
            return _error(403, "denied", exc.message)
        except TrainingBusy as exc:
            return _error(409, "busy", exc.message)
        except TrainingUnavailable:
            return _error(503, "unavailable", "training mode could not be changed")
        leases.by_tenant[tenant] = lease
        return JSONResponse({"training": "on", "owner": lease.owner, "ttl_ms": lease.ttl_ms})

    async def training_disable(request: Request) -> Response:
        context: GatewayContext = request.scope[SCOPE_KEY]
        tenant = context.claims.tenant or "default"
        lease = leases.by_tenant.get(tenant)
        if lease is None:
            return _error(409, "not_held", "this instance does not hold training mode for the tenant")
        try:
            await training.disable(lease, context.claims.sub, context.claims.scope)
        except TrainingForbidden as exc:
            return _error(403, "denied", exc.message)
        except TrainingUnavailable:
            return _error(503, "unavailable", "training mode could not be changed")
        leases.by_tenant.pop(tenant, None)
        return JSONResponse({"training": "off"})

    async def metrics(_request: Request) -> Response:
        return Response(generate_latest(registry), media_type="text/plain; version=0.0.4")

    governed = Starlette(
        routes=[
            Route("/chat/stream", stream, methods=["GET"]),
            Route("/training/enable", training_enable, methods=["POST"]),
            Route("/training/disable", training_disable, methods=["POST"]),
        ]
    )
    gateway = PolicyGateway(
        governed,
        verifier=verifier,
        decider=decider,
        audience=config.audience,
        routes=[STREAM_ROUTE, "/v1/training/enable", "/v1/training/disable"],
        metrics=GatewayMetrics(registry),
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await sync.poll_once()
        tasks = start_all([sync])
        try:
            yield
        finally:
            await stop_all(tasks)
            await sync.aclose()
            with contextlib.suppress(Exception):
                await redis.aclose()

    return Starlette(
        routes=[
            Route("/v1/sessions/start", start_session, methods=["POST"]),
            Route("/metrics", metrics, methods=["GET"]),
            Mount("/v1", app=gateway),
        ],
        lifespan=lifespan,
    )


def create_from_env() -> Starlette:
    """``uvicorn --factory examples.governed_service.app:create_from_env`` (see the README)."""
    return create_app(Config.from_env(os.environ))
