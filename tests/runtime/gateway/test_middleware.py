"""The gateway in front of a small Starlette app: forwarding with headers, 403, 401, 503, traces, metrics."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from prometheus_client import CollectorRegistry

from sentinel.runtime.gateway.deciders import LocalDecider
from sentinel.runtime.identity.keys import SigningKey
from tests.runtime.gateway.conftest import bearer, client, gateway, mint
from testsupport import gateway_apps as services

TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def request(app: Any, method: str, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    async def go() -> httpx.Response:
        async with client(app) as http:
            return await http.request(method, path, headers=headers)

    return asyncio.run(go())


def test_allowed_request_reaches_the_app_with_the_policy_headers(key: SigningKey) -> None:
    response = request(gateway(key), "GET", "/v1/items/1", bearer(mint(key)))
    assert response.status_code == 200
    seen = response.json()
    assert seen["x-policy-decision"] == ["allow"]
    assert seen["x-policy-score"] == ["0"]
    assert seen["x-constitution-hash"] == [services.HASH]


def test_allowed_response_carries_the_policy_headers(key: SigningKey) -> None:
    response = request(gateway(key), "GET", "/v1/items/1", bearer(mint(key)))
    assert response.headers["x-policy-decision"] == "allow"
    assert response.headers["x-policy-score"] == "0"
    assert response.headers["x-constitution-hash"] == services.HASH


def test_policy_deny_is_403_and_the_app_is_not_called(key: SigningKey) -> None:
    response = request(gateway(key), "POST", "/v1/items/1", bearer(mint(key)))
    assert response.status_code == 403
    assert response.headers["x-policy-decision"] == "deny"
    assert response.headers["x-policy-score"] == "7000"
    assert response.json()["error"]["reasons"][0]["rule"] == "items.write"


def test_policy_sees_the_scopes_of_the_token(key: SigningKey) -> None:
    token = mint(key, scope="items:read items:write")
    assert request(gateway(key), "POST", "/v1/items/1", bearer(token)).status_code == 200


def test_missing_token_is_401_with_a_bearer_challenge(key: SigningKey) -> None:
    response = request(gateway(key), "GET", "/v1/items/1")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "missing_token"
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


def test_token_of_an_untrusted_key_is_401_bad_signature_without_the_token(key: SigningKey) -> None:
    forged = mint(SigningKey.generate("gw-1", "ES256"))
    response = request(gateway(key), "GET", "/v1/items/1", bearer(forged))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_signature"
    assert forged not in response.text
    assert forged.split(".")[2] not in response.text


def test_token_for_another_audience_is_401(key: SigningKey) -> None:
    from sentinel.runtime.identity.ports import StaticKeys
    from sentinel.runtime.identity.tokens import TokenIssuer

    token = asyncio.run(TokenIssuer(StaticKeys(signing=key)).issue(sub="alice", aud="other-api"))
    response = request(gateway(key), "GET", "/v1/items/1", bearer(token))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "wrong_audience"


def test_client_sent_policy_headers_are_replaced(key: SigningKey) -> None:
    headers = {**bearer(mint(key)), "X-Policy-Decision": "allow", "X-Constitution-Hash": "forged"}
    seen = request(gateway(key), "GET", "/v1/items/1", headers).json()
    assert seen["x-policy-decision"] == ["allow"]
    assert seen["x-constitution-hash"] == [services.HASH]


def test_valid_traceparent_is_propagated_to_the_app_and_the_response(key: SigningKey) -> None:
    headers = {**bearer(mint(key)), "traceparent": TRACE, "tracestate": "vendor=1"}
    response = request(gateway(key), "GET", "/v1/items/1", headers)
    assert response.json()["traceparent"] == [TRACE]
    assert response.json()["tracestate"] == ["vendor=1"]
    assert response.headers["traceparent"] == TRACE


def test_invalid_traceparent_is_replaced_and_its_tracestate_dropped(key: SigningKey) -> None:
    bad = "00-00000000000000000000000000000000-00f067aa0ba902b7-01"
    headers = {**bearer(mint(key)), "traceparent": bad, "tracestate": "vendor=1"}
    seen = request(gateway(key), "GET", "/v1/items/1", headers).json()
    (parent,) = seen["traceparent"]
    assert parent != bad and parent.startswith("00-") and len(parent) == 55
    assert seen["tracestate"] == []


def test_missing_traceparent_is_generated_on_refusals_too(key: SigningKey) -> None:
    response = request(gateway(key), "GET", "/v1/items/1")
    assert response.headers["traceparent"].startswith("00-")


def test_failed_evaluation_is_503_never_forwarded(key: SigningKey) -> None:
    app = gateway(key, LocalDecider(services.decider(services.BROKEN)))
    response = request(app, "GET", "/v1/items/1", bearer(mint(key)))
    assert response.status_code == 503
    assert response.headers["x-policy-decision"] == "deny"


def test_decider_without_a_pack_is_503(key: SigningKey) -> None:
    from sentinel.runtime.decision.decider import Decider
    from sentinel.runtime.decision.packs import PackSet

    app = gateway(key, LocalDecider(Decider(PackSet(None, {}))))
    assert request(app, "GET", "/v1/items/1", bearer(mint(key))).status_code == 503


def test_token_of_another_constitution_than_the_decision_is_401(key: SigningKey) -> None:
    token = mint(key, constitution_hash="d1" * 32)
    response = request(gateway(key), "GET", "/v1/items/1", bearer(token))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "constitution_mismatch"


def test_requests_are_counted_by_route_template_and_outcome(key: SigningKey) -> None:
    registry = CollectorRegistry()
    app = gateway(key, registry=registry)
    request(app, "GET", "/v1/items/1", bearer(mint(key)))
    request(app, "POST", "/v1/items/2", bearer(mint(key)))
    request(app, "GET", "/v1/items/3")
    request(app, "GET", "/elsewhere/9", bearer(mint(key)))

    def count(route: str, decision: str) -> float | None:
        return registry.get_sample_value("gateway_requests_total", {"route": route, "decision": decision})

    assert count("/v1/items/{item}", "allow") == 1
    assert count("/v1/items/{item}", "deny") == 1
    assert count("/v1/items/{item}", "unauthorized") == 1
    assert count("unmatched", "allow") == 1
    assert registry.get_sample_value("gateway_decision_seconds_count", {"route": "/v1/items/{item}"}) == 3


def test_websocket_connections_are_closed(key: SigningKey) -> None:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/v1/items/1", "headers": [], "query_string": b""}
    asyncio.run(gateway(key)(scope, receive, send))
    assert sent == [{"type": "websocket.close", "code": 1008}]


def test_starlette_add_middleware_installs_the_gateway(key: SigningKey) -> None:
    from starlette.middleware import Middleware

    from sentinel.runtime.gateway.middleware import PolicyGateway
    from sentinel.runtime.identity.ports import StaticKeys
    from sentinel.runtime.identity.tokens import TokenVerifier

    app = services.inner_app()
    app.user_middleware.insert(
        0,
        Middleware(
            PolicyGateway,
            verifier=TokenVerifier(StaticKeys(verification=[key.public()])),
            decider=LocalDecider(services.decider()),
            audience="items-api",
        ),
    )
    assert request(app, "GET", "/v1/items/1").status_code == 401
    assert request(app, "GET", "/v1/items/1", bearer(mint(key))).status_code == 200


def test_a_plain_asgi_callable_can_be_wrapped(key: SigningKey) -> None:
    from sentinel.runtime.gateway.middleware import PolicyGateway
    from sentinel.runtime.identity.ports import StaticKeys
    from sentinel.runtime.identity.tokens import TokenVerifier

    async def plain(scope: Any, receive: Any, send: Any) -> None:
        decision = dict(scope["headers"])[b"x-policy-decision"]
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-seen", decision)]})
        await send({"type": "http.response.body", "body": b"ok"})

    app = PolicyGateway(
        plain,
        verifier=TokenVerifier(StaticKeys(verification=[key.public()])),
        decider=LocalDecider(services.decider()),
        audience="items-api",
    )
    response = request(app, "GET", "/anything", bearer(mint(key)))
    assert response.status_code == 200
    assert response.headers["x-seen"] == "allow"
