"""OPA's data API (``/v1/data/{path}``) on the real server, and an OPA client library against it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.runtime.api.conftest import Running, StartServer
from testsupport.files import write


def test_a_defined_rule_answers_result_and_decision_id(service: Running) -> None:
    response = service.client.post("/v1/data/sentinel/decision/allow", json={"input": {"action": "read"}})
    assert response.status_code == 200
    body = response.json()
    assert body["result"] is True
    assert set(body) == {"result", "decision_id"}


def test_an_undefined_rule_answers_without_a_result_key(service: Running) -> None:
    response = service.client.post("/v1/data/sentinel/decision/allow", json={"input": {"action": "delete"}})
    assert response.status_code == 200
    assert "result" not in response.json()
    assert response.json()["decision_id"]


def test_a_whole_package_is_a_document(service: Running) -> None:
    response = service.client.post("/v1/data/sentinel/decision", json={"input": {"action": "admin"}})
    result = response.json()["result"]
    assert result["allow"] is True
    assert result["warn"] == [{"rule": "audit", "message": "admin action", "weight": 10}]


def test_get_without_input_evaluates_with_no_input(service: Running) -> None:
    response = service.client.get("/v1/data/sentinel/decision/deny")
    assert response.status_code == 200
    assert response.json()["result"] == []


def test_get_with_an_input_query_parameter(service: Running) -> None:
    response = service.client.get(
        "/v1/data/sentinel/decision/allow", params={"input": json.dumps({"action": "delete"})}
    )
    assert response.status_code == 200
    assert "result" not in response.json()


def test_a_body_without_input_gets_opas_warning(service: Running) -> None:
    response = service.client.post("/v1/data/sentinel/decision/allow", json={"action": "read"})
    assert response.status_code == 200
    assert response.json()["warning"]["code"] == "api_usage_warning"


def test_malformed_json_is_opas_400_invalid_parameter(service: Running) -> None:
    response = service.client.post("/v1/data/sentinel/decision/allow", content=b"{nope")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"


def test_an_evaluation_error_is_opas_500_internal_error(start_server: StartServer, tmp_path: Path) -> None:
    write(tmp_path / "conflict", "p.rego", (
        "package authz\n\nimport rego.v1\n\n"
        "level := 1 if input.boom\nlevel := 2 if input.boom\n\nallow if level == 1\n"
    ))
    service = start_server("--policy", str(tmp_path / "conflict"))
    response = service.client.post("/v1/data/authz/allow", json={"input": {"boom": True}})
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "result" not in response.json()


def test_a_path_with_empty_segments_is_cleaned_as_opa_does(service: Running) -> None:
    response = service.client.post("/v1/data/sentinel//decision/allow/", json={"input": {}})
    assert response.json()["result"] is True


def test_an_opa_client_library_works_unchanged(service: Running) -> None:
    try:
        import opa_client
    except ImportError:
        message = "the OPA client library is missing: pip install opa-python-client"
        if os.environ.get("SENTINEL_REQUIRE_ORACLES") == "1":
            pytest.fail(f"{message}; SENTINEL_REQUIRE_ORACLES=1 forbids skipping", pytrace=False)
        pytest.skip(message)
    client = opa_client.OpaClient(host="127.0.0.1", port=service.server.port)
    try:
        assert client.check_health()
        allowed = client.query_rule({"action": "read"}, package_path="sentinel.decision", rule_name="allow")
        assert allowed["result"] is True
        document = client.get_data("sentinel/decision/deny")
        assert document["result"] == []
    finally:
        client.close_connection()


def test_metrics_true_adds_opas_timers(service: Running) -> None:
    response = service.client.post(
        "/v1/data/sentinel/decision/allow", params={"metrics": "true"}, json={"input": {}}
    )
    assert set(response.json()["metrics"]) == {"timer_rego_query_eval_ns", "timer_server_handler_ns"}


def test_pretty_true_indents_the_answer(service: Running) -> None:
    response = service.client.post("/v1/data/sentinel/decision/allow?pretty", json={"input": {}})
    assert response.text.startswith("{\n  ")
    assert response.json()["result"] is True
