"""HTTP routes: ``GET /.well-known/jwks.json`` and ``POST /v1/tokens/issue`` (Starlette route factories).

``POST /v1/tokens/issue`` is itself behind the decision: the caller presents its own bearer token (for
the identity service's audience), and the decider is asked whether that subject may perform
``tokens.issue`` on ``tokens/<audience>`` with the requested scope in the context. Who may mint which
scope is a policy (``policy-as-code/runtime/decision/tokens.rego``). Answers: 200 with the token,
400 bad body, 401 bad caller token, 403 denied, 413 body too large, 503 when anything needed
(decision, key, constitution, audit, Redis) is unavailable. Responses carry ``Cache-Control: no-store``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol

from sentinel.runtime.identity import errors as e
from sentinel.runtime.identity.errors import IdentityUnavailable, IssueError, TokenError

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from sentinel.runtime.decision.models import Decision, DecisionRequest
    from sentinel.runtime.identity.ports import JwksSource
    from sentinel.runtime.identity.tokens import TokenIssuer, TokenVerifier

log = logging.getLogger(__name__)

JWKS_PATH = "/.well-known/jwks.json"
ISSUE_PATH = "/v1/tokens/issue"
ISSUE_ACTION = "tokens.issue"
MAX_ISSUE_BODY = 16 * 1024
_MAX_AUTHORIZATION = 9 * 1024
_NO_STORE = {"Cache-Control": "no-store"}


class Decides(Protocol):
    def evaluate(self, request: DecisionRequest) -> Decision: ...


def jwks_route(source: JwksSource, *, path: str = JWKS_PATH, max_age_s: int = 60) -> Route:
    """The public keys (``next``, ``active`` and ``retiring``); 503 when the ring cannot be read.

    ``max_age_s`` must stay below the rotation's grace period."""
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def jwks(request: Request) -> Response:
        try:
            document = await source.jwks()
        except IdentityUnavailable as exc:
            log.warning("jwks unavailable", extra={"error": exc.message})
            return _error(503, "unavailable", "the key set is unavailable")
        return JSONResponse(document, headers={"Cache-Control": f"public, max-age={max_age_s}"})

    return Route(path, jwks, methods=["GET"])


def _error(status: int, code: str, message: str, **extra: Any) -> Response:
    from starlette.responses import JSONResponse

    headers = dict(_NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return JSONResponse({"code": code, "message": message, **extra}, status_code=status, headers=headers)


def bearer_token(request: Request) -> str | None:
    """The token of ``Authorization: Bearer <token>``; None when absent, malformed or oversized."""
    value = request.headers.get("authorization")
    if value is None or len(value) > _MAX_AUTHORIZATION:
        return None
    scheme, _, token = value.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


def issue_route(
    issuer: TokenIssuer,
    decider: Decides,
    caller_verifier: TokenVerifier,
    *,
    caller_audience: str = "sentinel-identity",
    path: str = ISSUE_PATH,
    max_body_bytes: int = MAX_ISSUE_BODY,
) -> Route:
    """``POST {path}`` with ``{"sub", "aud", "scope"?, "tenant"?, "ttl_s"?, "correlation_id"?}``."""
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from sentinel.runtime.api.body import parse_json, read_body
    from sentinel.runtime.api.errors import ApiError

    async def issue(request: Request) -> Response:
        token = bearer_token(request)
        if token is None:
            return _error(401, "unauthorized", "a bearer token of the caller is required")
        try:
            caller = await caller_verifier.verify(token, audience=caller_audience)
        except TokenError as exc:
            if e.http_status(exc.reason) == 503:
                return _error(503, "unavailable", "the caller's token cannot be checked now")
            return _error(401, "unauthorized", f"the caller's token is refused: {exc.reason}")
        if caller.constitution_stale:
            return _error(401, "unauthorized", "the caller's token predates the active constitution")
        try:
            body = parse_json(await read_body(request, max_body_bytes))
            wanted = _issue_request(body, caller.tenant)
        except ApiError as exc:
            return _error(exc.status, exc.code, exc.message)
        except IssueError as exc:
            return _error(400, "invalid_parameter", exc.message)
        denied = _decide(decider, caller.sub, wanted)
        if denied is not None:
            return denied
        try:
            issued = await issuer.mint(
                sub=wanted["sub"],
                aud=wanted["aud"],
                scope=wanted["scope"],
                tenant=wanted["tenant"],
                ttl_s=wanted["ttl_s"],
                requester=caller.sub,
                correlation_id=wanted["correlation_id"],
            )
        except IssueError as exc:
            return _error(503, "unavailable", exc.message)
        except IdentityUnavailable as exc:
            log.warning("token not issued", extra={"error": exc.message, "caller": caller.sub})
            return _error(503, "unavailable", "the token cannot be issued now")
        claims = issued.claims
        return JSONResponse(
            {
                "access_token": issued.token,
                "token_type": "Bearer",
                "expires_in": claims.exp - claims.iat,
                "expires_at": claims.exp,
                "scope": " ".join(claims.scope),
                "jti": claims.jti,
                "constitution_hash": claims.constitution_hash,
            },
            headers=_NO_STORE,
        )

    return Route(path, issue, methods=["POST"])


def _issue_request(body: Any, caller_tenant: str | None) -> dict[str, Any]:
    from sentinel.runtime.identity.tokens import check_scopes

    allowed = {"sub", "aud", "scope", "tenant", "ttl_s", "correlation_id"}
    if not isinstance(body, dict) or not allowed.issuperset(body):
        raise IssueError(f"the body must be an object with only {', '.join(sorted(allowed))}")
    sub, aud, tenant, ttl, correlation = (
        body.get("sub"), body.get("aud"), body.get("tenant"), body.get("ttl_s"), body.get("correlation_id")
    )
    if not isinstance(sub, str) or not isinstance(aud, str):
        raise IssueError("'sub' and 'aud' are required strings")
    scope = body.get("scope", "")
    if not isinstance(scope, str | list):
        raise IssueError("'scope' is a space-separated string or a list of strings")
    if tenant is not None and not isinstance(tenant, str):
        raise IssueError("'tenant' is a string")
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int)):
        raise IssueError("'ttl_s' is an integer number of seconds")
    if correlation is not None and not isinstance(correlation, str):
        raise IssueError("'correlation_id' is a string")
    tenant = tenant if tenant is not None else caller_tenant
    if caller_tenant is not None and tenant != caller_tenant:
        raise IssueError("a caller may only request tokens for its own tenant")
    return {
        "sub": sub,
        "aud": aud,
        "scope": check_scopes(scope),
        "tenant": tenant,
        "ttl_s": ttl,
        "correlation_id": correlation,
    }


def _decide(decider: Decides, caller: str, wanted: dict[str, Any]) -> Response | None:
    """None when the decision allows; else the 403 (deny) or 503 (could not decide) answer."""
    from pydantic import ValidationError

    from sentinel.runtime.decision.models import DecisionRequest

    try:
        request = DecisionRequest(
            tenant=wanted["tenant"] or "default",
            subject=caller,
            action=ISSUE_ACTION,
            resource=f"tokens/{wanted['aud']}",
            context={
                "scope": list(wanted["scope"]),
                "audience": wanted["aud"],
                "token_subject": wanted["sub"],
                "ttl_s": wanted["ttl_s"],
            },
        )
    except ValidationError:
        return _error(400, "invalid_parameter", "the request cannot be decided (tenant, subject or size)")
    try:
        decision = decider.evaluate(request)
    except Exception:  # a defect in the decider must deny, never mint
        log.exception("token issue decision failed", extra={"caller": caller})
        return _error(503, "unavailable", "the decision could not be made")
    if decision.decision == "allow":
        return None
    rules = [reason.rule for reason in decision.reasons]
    if any(rule.startswith("sentinel.runtime.") for rule in rules):
        return _error(503, "unavailable", "the decision could not be made", rules=rules)
    return _error(403, "forbidden", "the policy does not let this caller mint this token", rules=rules)
