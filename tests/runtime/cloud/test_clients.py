"""The governance API clients against the stand-in: headers, retries, Retry-After, 401, errors, endpoints."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from sentinel.runtime.cloud.clients.auth import AuthClient
from sentinel.runtime.cloud.clients.base import BaseClient, retry_after
from sentinel.runtime.cloud.clients.errors import APIError, AuthenticationError, ServerUnreachable
from sentinel.runtime.cloud.clients.registry import PolicyRegistryClient
from sentinel.runtime.cloud.config import CloudConfigError
from testsupport.governance_server import ORG, TOKEN, ControlServer, Fault, GovernanceAPI

Stand = tuple[ControlServer, GovernanceAPI]
NOW = datetime(2026, 12, 7, 12, 0, 0, tzinfo=UTC)


def client(
    api: GovernanceAPI, cls: type[BaseClient] = BaseClient, **options: object
) -> tuple[BaseClient, list[float]]:
    waits: list[float] = []
    built = cls(api.url, ORG, TOKEN, sleep=waits.append, now=lambda: NOW, **options)  # type: ignore[arg-type]
    return built, waits


def test_every_request_carries_the_bearer_token_and_the_org(stand_in: Stand) -> None:
    _, api = stand_in
    base, _ = client(api)
    assert base.request("GET", "/health") == {"status": "ok"}
    headers = api.requests[-1]["headers"]
    assert (headers["authorization"], headers["x-sentinel-org"]) == (f"Bearer {TOKEN}", ORG)


def test_429_waits_the_retry_after_seconds_then_succeeds(stand_in: Stand) -> None:
    _, api = stand_in
    api.faults.append(Fault(status=429, retry_after="7", path="/health"))
    base, waits = client(api)
    assert base.request("GET", "/health") == {"status": "ok"}
    assert waits == [7.0]
    assert len(api.requests) == 2


def test_retry_after_as_an_http_date_is_honoured(stand_in: Stand) -> None:
    _, api = stand_in
    later = (NOW + timedelta(seconds=12)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    api.faults.append(Fault(status=429, retry_after=later, path="/health"))
    base, waits = client(api)
    base.request("GET", "/health")
    assert waits == [12.0]


def test_a_huge_retry_after_is_capped(stand_in: Stand) -> None:
    _, api = stand_in
    api.faults.append(Fault(status=429, retry_after="86400", path="/health"))
    base, waits = client(api, max_backoff=30.0)
    base.request("GET", "/health")
    assert waits == [30.0]


def test_503_without_retry_after_backs_off_exponentially(stand_in: Stand) -> None:
    _, api = stand_in
    api.faults.append(Fault(status=503, path="/health", times=3))
    base, waits = client(api)
    assert base.request("GET", "/health") == {"status": "ok"}
    assert waits == [1.0, 2.0, 4.0]


def test_503_past_the_retry_limit_raises_server_unreachable(stand_in: Stand) -> None:
    _, api = stand_in
    api.faults.append(Fault(status=503, path="/health", times=10))
    base, waits = client(api, max_retries=2)
    with pytest.raises(ServerUnreachable) as caught:
        base.request("GET", "/health")
    assert caught.value.status_code == 503
    assert len(waits) == 2 and len(api.requests) == 3


def test_401_is_never_retried(stand_in: Stand) -> None:
    _, api = stand_in
    api.faults.append(Fault(status=401, path="/health", times=5))
    base, waits = client(api)
    with pytest.raises(AuthenticationError) as caught:
        base.request("GET", "/health")
    assert caught.value.status_code == 401
    assert waits == [] and len(api.requests) == 1


def test_an_error_carries_status_message_and_request_id(stand_in: Stand) -> None:
    _, api = stand_in
    registry, _ = client(api, PolicyRegistryClient)
    with pytest.raises(APIError) as caught:
        registry.get("missing")  # type: ignore[attr-defined]
    error = caught.value
    assert (error.status_code, error.detail, error.request_id) == (404, "no such policy", "req-1")
    assert "req-1" in str(error) and "HTTP 404" in str(error)


def test_the_token_never_appears_in_an_error(stand_in: Stand) -> None:
    _, api = stand_in
    api.faults.append(Fault(status=500, path="/health"))
    base, _ = client(api)
    with pytest.raises(APIError) as caught:
        base.request("GET", "/health")
    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value)


def test_a_slow_answer_times_out_as_server_unreachable(stand_in: Stand) -> None:
    _, api = stand_in
    api.faults.append(Fault(delay_s=1.0, path="/health"))
    base, _ = client(api, timeout=0.2)
    with pytest.raises(ServerUnreachable, match="timed out"):
        base.request("GET", "/health")


def test_a_stopped_server_is_server_unreachable(stand_in: Stand) -> None:
    _, api = stand_in
    api.stop()
    base, _ = client(api)
    with pytest.raises(ServerUnreachable) as caught:
        base.request("GET", "/health")
    assert caught.value.status_code is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("3", 3.0),
        ("0", 0.0),
        ("Mon, 07 Dec 2026 12:00:05 GMT", 5.0),
        ("Mon, 07 Dec 2026 11:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        ("-1", None),
        ("\u00b2", None),
        ("99999999999", None),
    ],
)
def test_retry_after_parsing(header: str, expected: float | None) -> None:
    assert retry_after(header, NOW) == expected


def test_registry_push_then_get_list_diff_and_pin(stand_in: Stand) -> None:
    _, api = stand_in
    registry, _ = client(api, PolicyRegistryClient)
    assert isinstance(registry, PolicyRegistryClient)
    first = registry.push("payments", "package p\nallow := false\n", "first")
    second = registry.push("payments", "package p\nallow := true\n", "second")
    assert (first["revision"], second["revision"]) == ("1", "2")
    assert registry.get("payments")["content"] == "package p\nallow := true\n"
    assert registry.get("payments", revision="1")["message"] == "first"
    assert registry.list() == [{"policy_id": "payments", "revision": "2"}]
    assert registry.diff("payments", "1", "2") == {"added": ["allow := true"], "removed": ["allow := false"]}
    assert registry.pin("payments", "1", tenant="tenant-a")["revision"] == "1"
    assert api.pins == [{"policy_id": "payments", "revision": "1", "tenant": "tenant-a"}]


@pytest.mark.parametrize("policy_id", ["../admin", "a/b", "", "A B", "x" * 200])
def test_registry_refuses_ids_that_would_escape_the_path(stand_in: Stand, policy_id: str) -> None:
    _, api = stand_in
    registry, _ = client(api, PolicyRegistryClient)
    with pytest.raises(CloudConfigError):
        registry.get(policy_id)  # type: ignore[attr-defined]
    assert api.requests == []


def test_auth_exchanges_the_api_key_for_tokens_and_uses_them(stand_in: Stand) -> None:
    _, api = stand_in
    auth = AuthClient(api.url, ORG, sleep=lambda _s: None)
    tokens = auth.authenticate("agent-1", "agent-key-1")
    assert tokens.expires_in == 900 and TOKEN not in repr(tokens)
    assert auth.validate().valid
    assert api.requests[-1]["headers"]["authorization"] == f"Bearer {TOKEN}"


def test_auth_refresh_returns_new_tokens(stand_in: Stand) -> None:
    _, api = stand_in
    auth = AuthClient(api.url, ORG, sleep=lambda _s: None)
    assert auth.refresh("refresh-1").access_token == TOKEN


def test_auth_with_a_wrong_api_key_raises_authentication_error(stand_in: Stand) -> None:
    _, api = stand_in
    auth = AuthClient(api.url, ORG, sleep=lambda _s: None)
    with pytest.raises(AuthenticationError):
        auth.authenticate("agent-1", "wrong")


def test_validate_with_a_revoked_token_raises_authentication_error(stand_in: Stand) -> None:
    _, api = stand_in
    auth = AuthClient(api.url, ORG, "revoked-token", sleep=lambda _s: None)
    with pytest.raises(AuthenticationError):
        auth.validate()


def test_a_non_json_answer_is_an_api_error(stand_in: Stand) -> None:
    _, api = stand_in
    api.faults.append(Fault(status=200, body="<html>proxy login</html>", path="/health"))
    base, _ = client(api)
    with pytest.raises(APIError, match="not JSON"):
        base.request("GET", "/health")


def test_an_html_error_page_becomes_a_short_generic_message(stand_in: Stand) -> None:
    _, api = stand_in
    api.faults.append(Fault(status=502, body="<html>" + "x" * 5000 + "</html>", path="/health"))
    base, _ = client(api)
    with pytest.raises(APIError) as caught:
        base.request("GET", "/health")
    assert (caught.value.status_code, caught.value.detail) == (502, "request failed")


def test_the_token_never_reaches_the_logs(stand_in: Stand, caplog: pytest.LogCaptureFixture) -> None:
    _, api = stand_in
    api.faults.append(Fault(status=429, retry_after="1", path="/health"))
    base, _ = client(api)
    with caplog.at_level(logging.DEBUG):
        base.request("GET", "/health")
    client_side = [r for r in caplog.records if not r.name.startswith("uvicorn")]
    assert client_side
    assert all(TOKEN not in r.getMessage() and TOKEN not in repr(r.__dict__) for r in client_side)
