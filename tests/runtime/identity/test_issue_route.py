"""``POST /v1/tokens/issue`` behind the decision: the real decider with the repository's runtime policies
(``decision.rego`` + ``tokens.rego``) decides who may mint which scope."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from sentinel.runtime.decision import Decider
from sentinel.runtime.identity import SigningKey, StaticKeys, TokenIssuer, TokenVerifier, issue_route

from .conftest import AUDIENCE

POLICIES = Path(__file__).resolve().parents[3] / "policy-as-code" / "runtime" / "decision"
IDENTITY_AUDIENCE = "sentinel-identity"
DATA = {
    "sentinel": {
        "runtime": {
            "decision": {
                "tenants": {
                    "acme": {
                        "subjects": {"session-svc": ["session-service"], "reporter": ["viewer"]},
                        "roles": {"session-service": ["tokens.issue"], "viewer": ["*.read"]},
                        "mintable_scopes": {"session-service": ["chat:*"]},
                        "max_token_ttl_s": 600,
                    }
                }
            }
        }
    }
}


@pytest.fixture
def decider(tmp_path: Path) -> Decider:
    data = tmp_path / "data"
    data.mkdir()
    (data / "data.json").write_text(json.dumps(DATA))
    return Decider.from_folder([POLICIES], [data])


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate("k1", "ES256")


def _post(
    key: SigningKey, decider: Decider, body: Any, caller: str | None, tenant: str = "acme"
) -> httpx.Response:
    async def scenario() -> httpx.Response:
        issuer = TokenIssuer(StaticKeys(key))
        route = issue_route(
            issuer, decider, TokenVerifier(StaticKeys(key)), caller_audience=IDENTITY_AUDIENCE
        )
        headers = {}
        if caller is not None:
            caller_token = await issuer.issue(sub=caller, aud=IDENTITY_AUDIENCE, tenant=tenant)
            headers["Authorization"] = f"Bearer {caller_token}"
        transport = httpx.ASGITransport(app=Starlette(routes=[route]))
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as http:
            content = body if isinstance(body, bytes) else json.dumps(body).encode()
            return await http.post("/v1/tokens/issue", content=content, headers=headers)

    return asyncio.run(scenario())


def test_allowed_caller_gets_a_token_for_a_mintable_scope(key: SigningKey, decider: Decider) -> None:
    response = _post(key, decider, {"sub": "user-1", "aud": AUDIENCE, "scope": "chat:read"}, "session-svc")
    assert response.status_code == 200
    claims = asyncio.run(
        TokenVerifier(StaticKeys(key)).verify(response.json()["access_token"], audience=AUDIENCE)
    )
    assert (claims.sub, claims.scope, claims.tenant) == ("user-1", ("chat:read",), "acme")
    assert response.headers["cache-control"] == "no-store"


def test_scope_the_policy_does_not_grant_is_forbidden(key: SigningKey, decider: Decider) -> None:
    response = _post(
        key, decider, {"sub": "user-1", "aud": AUDIENCE, "scope": "chat:read admin:all"}, "session-svc"
    )
    assert response.status_code == 403
    assert response.json()["rules"] == ["decision.token_scope_not_mintable"]


def test_caller_without_the_issue_grant_is_forbidden(key: SigningKey, decider: Decider) -> None:
    response = _post(key, decider, {"sub": "user-1", "aud": AUDIENCE, "scope": "chat:read"}, "reporter")
    assert response.status_code == 403


def test_lifetime_over_the_tenant_cap_is_forbidden(key: SigningKey, decider: Decider) -> None:
    body = {"sub": "user-1", "aud": AUDIENCE, "scope": "chat:read", "ttl_s": 3600}
    assert _post(key, decider, body, "session-svc").status_code == 403


def test_request_without_a_caller_token_is_unauthorized(key: SigningKey, decider: Decider) -> None:
    response = _post(key, decider, {"sub": "user-1", "aud": AUDIENCE}, None)
    assert response.status_code == 401
    assert "Bearer" in response.headers["www-authenticate"]


def test_caller_may_not_mint_for_another_tenant(key: SigningKey, decider: Decider) -> None:
    body = {"sub": "user-1", "aud": AUDIENCE, "scope": "chat:read", "tenant": "globex"}
    assert _post(key, decider, body, "session-svc").status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        {"sub": "user-1"},
        {"sub": "u", "aud": "a", "admin": True},
        {"sub": "u", "aud": "a", "ttl_s": "9"},
    ],
)
def test_malformed_issue_request_is_a_bad_request(key: SigningKey, decider: Decider, body: Any) -> None:
    assert _post(key, decider, body, "session-svc").status_code == 400


def test_oversized_issue_request_is_refused(key: SigningKey, decider: Decider) -> None:
    body = {"sub": "user-1", "aud": AUDIENCE, "scope": "x" * 20_000}
    assert _post(key, decider, body, "session-svc").status_code == 413


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic YWxpY2U6cHc=",
        "Bearer",
        "Bearer a b",
        "bearer",
        "Bearer " + "x" * 10_000,
        "Bearer \u00e9t\u00e9",
    ],
)
def test_malformed_authorization_is_unauthorized(
    key: SigningKey, decider: Decider, authorization: str
) -> None:
    async def scenario() -> int:
        route = issue_route(TokenIssuer(StaticKeys(key)), decider, TokenVerifier(StaticKeys(key)))
        transport = httpx.ASGITransport(app=Starlette(routes=[route]))
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as http:
            body = json.dumps({"sub": "user-1", "aud": AUDIENCE}).encode()
            headers = {b"Authorization": authorization.encode("utf-8")}
            response = await http.post("/v1/tokens/issue", content=body, headers=headers)
            return response.status_code

    assert asyncio.run(scenario()) == 401
