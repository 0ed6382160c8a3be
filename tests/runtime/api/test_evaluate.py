"""``POST /v1/evaluate`` on the real server: decisions, fail-closed denies and bad input."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.runtime.api.conftest import Running, StartServer
from testsupport.files import write

REQUEST = {"tenant": "acme", "subject": "bob", "action": "read", "resource": "doc/1"}


def _evaluate(service: Running, **changes: object) -> dict[str, object]:
    response = service.client.post("/v1/evaluate", json={**REQUEST, **changes})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_a_request_no_rule_denies_is_allowed_with_score_zero(service: Running) -> None:
    body = _evaluate(service)
    assert body["decision"] == "allow"
    assert body["score"] == 0
    assert body["reasons"] == []
    assert body["policy_revision"]


def test_a_denied_request_carries_the_reasons_and_the_score(service: Running) -> None:
    body = _evaluate(service, action="delete", subject="mallory")
    assert body["decision"] == "deny"
    assert body["score"] == 6000
    reasons = {(r["rule"], r["message"], r["weight"]) for r in body["reasons"]}  # type: ignore[attr-defined]
    assert reasons == {("no-delete", "deletes are not allowed", 6000), ("deny", "mallory is blocked", 0)}


def test_the_decision_headers_mirror_the_body(service: Running) -> None:
    response = service.client.post("/v1/evaluate", json={**REQUEST, "action": "delete"})
    assert response.headers["x-policy-decision"] == "deny"
    assert response.headers["x-policy-score"] == "6000"
    assert response.headers["x-constitution-hash"] == response.json()["constitution_hash"]


def test_an_idempotent_request_gets_the_same_decision_id_twice(service: Running) -> None:
    first = _evaluate(service, idempotency=True)
    second = _evaluate(service, idempotency=True)
    assert first["decision_id"] == second["decision_id"]


def test_a_tenant_without_a_pack_is_denied(start_server: StartServer, tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    write(packs / "acme", "p.rego", 'package sentinel.decision\n\ndeny contains "x" if false\n')
    service = start_server("--tenant-packs", str(packs))
    assert _evaluate(service)["decision"] == "allow"
    body = _evaluate(service, tenant="globex")
    assert body["decision"] == "deny"
    assert body["reasons"][0]["rule"] == "sentinel.runtime.no_pack"  # type: ignore[index]


def test_a_policy_that_fails_at_evaluation_denies_with_the_reason(
    start_server: StartServer, tmp_path: Path
) -> None:
    # 100,000 iterations exceed the engine's instruction limit: an evaluation error, never an allow.
    write(tmp_path / "loop", "p.rego", (
        "package sentinel.decision\n\nimport rego.v1\n\n"
        "deny contains \"never\" if {\n\tsome i in numbers.range(1, 100000)\n\ti < 0\n}\n"
    ))
    service = start_server("--policy", str(tmp_path / "loop"))
    body = _evaluate(service)
    assert body["decision"] == "deny"
    assert body["reasons"][0]["rule"] == "sentinel.runtime.instruction_limit"  # type: ignore[index]


@pytest.mark.parametrize("threads", ["0", "2"])
def test_a_policy_slower_than_the_time_limit_denies(
    start_server: StartServer, tmp_path: Path, threads: str
) -> None:
    # One builtin call building a 3-million-element array takes far longer than 5 ms.
    write(tmp_path / "slow", "p.rego", (
        "package sentinel.decision\n\nimport rego.v1\n\n"
        "deny contains \"never\" if count(numbers.range(1, 3000000)) < 0\n"
    ))
    slow = str(tmp_path / "slow")
    service = start_server("--policy", slow, "--eval-timeout-ms", "5", "--eval-threads", threads)
    body = _evaluate(service)
    assert body["decision"] == "deny"
    assert body["reasons"][0]["rule"] == "sentinel.runtime.time_limit"  # type: ignore[index]


def test_malformed_json_is_a_400_with_a_json_error_body(service: Running) -> None:
    response = service.client.post("/v1/evaluate", content=b'{"tenant": "acme",')
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"
    assert "not valid JSON" in response.json()["message"]


def test_a_body_that_is_not_an_object_is_a_400(service: Running) -> None:
    response = service.client.post("/v1/evaluate", json=[REQUEST])
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"


def test_a_field_of_the_wrong_type_is_a_400_naming_the_field_not_the_value(service: Running) -> None:
    response = service.client.post("/v1/evaluate", json={**REQUEST, "subject": 12345678})
    assert response.status_code == 400
    body = response.json()
    assert ["subject"] in [error["loc"] for error in body["errors"]]
    assert "12345678" not in response.text


def test_an_unknown_field_is_a_400(service: Running) -> None:
    response = service.client.post("/v1/evaluate", json={**REQUEST, "admin": True})
    assert response.status_code == 400


def test_an_empty_body_is_a_400(service: Running) -> None:
    response = service.client.post("/v1/evaluate", content=b"")
    assert response.status_code == 400
    assert response.json()["message"] == "request body is empty"


def test_json_nested_too_deeply_for_the_parser_is_a_400(service: Running) -> None:
    response = service.client.post("/v1/evaluate", content=b"[" * 200_000 + b"]" * 200_000)
    assert response.status_code in (400, 413)
    assert response.json()["code"] in ("invalid_parameter", "payload_too_large")


def test_nan_is_not_json(service: Running) -> None:
    response = service.client.post("/v1/evaluate", content=json.dumps({**REQUEST, "context": {"x": "NaN"}})
                                   .replace('"NaN"', "NaN").encode())
    assert response.status_code == 400


def test_a_body_declared_larger_than_the_limit_is_a_413(start_server: StartServer, policy_dir: Path) -> None:
    service = start_server("--policy", str(policy_dir), "--max-body-bytes", "1000")
    response = service.client.post("/v1/evaluate", json={**REQUEST, "context": {"pad": "x" * 2000}})
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_a_chunked_body_past_the_limit_is_cut_off_with_413(
    start_server: StartServer, policy_dir: Path
) -> None:
    service = start_server("--policy", str(policy_dir), "--max-body-bytes", "1000")

    def chunks() -> object:
        yield b'{"tenant": "acme", "pad": "'
        for _ in range(10_000):  # 10 MB announced by no header: the server must stop counting at 1000
            yield b"x" * 1000

    response = service.client.post("/v1/evaluate", content=chunks())  # type: ignore[arg-type]
    assert response.status_code == 413


def test_a_lying_content_length_is_not_trusted(start_server: StartServer, policy_dir: Path) -> None:
    service = start_server("--policy", str(policy_dir), "--max-body-bytes", "1000")
    with socket.create_connection(("127.0.0.1", service.server.port), timeout=10) as sock:
        sock.sendall(b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}")
        reply = sock.recv(4096)
    assert reply.split(b" ", 2)[1] == b"400"
    assert service.client.get("/healthz").status_code == 200


def test_a_client_that_hangs_up_mid_body_leaves_no_traceback(service: Running) -> None:
    with socket.create_connection(("127.0.0.1", service.server.port), timeout=10) as sock:
        sock.sendall(b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"tenant\":")
    assert service.client.post("/v1/evaluate", json=REQUEST).status_code == 200
    assert "Traceback" not in service.server.output()
