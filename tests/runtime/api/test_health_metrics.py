"""``/healthz``, ``/readyz``, OPA's ``/health`` and ``/metrics`` on the real server."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from sentinel.runtime.api.app import create_app
from sentinel.runtime.decision import Decider
from tests.runtime.api.conftest import Running, StartServer
from testsupport.files import write

REQUEST = {"tenant": "acme", "subject": "bob", "action": "delete", "resource": "doc/1"}


def _samples(service: Running) -> dict[str, list[tuple[dict[str, str], float]]]:
    response = service.client.get("/metrics")
    assert response.status_code == 200
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def test_healthz_answers_ok(service: Running) -> None:
    assert service.client.get("/healthz").json() == {"status": "ok"}


def test_opas_health_endpoint_answers_an_empty_object(service: Running) -> None:
    response = service.client.get("/health")
    assert (response.status_code, response.json()) == (200, {})


def test_readyz_is_200_with_the_revision_once_policies_are_loaded(service: Running) -> None:
    response = service.client.get("/readyz")
    assert response.status_code == 200
    decision = service.client.post("/v1/evaluate", json=REQUEST).json()
    assert response.json()["revision"] == decision["policy_revision"]


def test_decisions_are_counted_by_tenant_decision_and_policy(service: Running) -> None:
    revision = service.client.post("/v1/evaluate", json=REQUEST).json()["policy_revision"]
    service.client.post("/v1/evaluate", json=REQUEST)
    counts = _samples(service)["policy_decision_total"]
    assert ({"tenant": "acme", "decision": "deny", "policy_id": revision}, 2.0) in counts


def test_latency_is_a_histogram_per_endpoint(service: Running) -> None:
    service.client.post("/v1/evaluate", json=REQUEST)
    service.client.post("/v1/data/sentinel/decision/allow", json={"input": {}})
    samples = _samples(service)["policy_decision_duration_seconds_count"]
    counts = {labels["endpoint"]: value for labels, value in samples}
    assert counts == {"evaluate": 1.0, "data": 1.0}


def test_the_loaded_revision_is_an_info_metric(service: Running) -> None:
    revision = service.client.get("/readyz").json()["revision"]
    (labels, value), = _samples(service)["policy_revision_info"]
    assert (labels["pack"], labels["revision"], value) == ("default", revision, 1.0)


def test_unknown_routes_answer_a_json_404(service: Running) -> None:
    response = service.client.get("/v1/nothing")
    assert response.status_code == 404
    assert response.json()["code"] == "resource_not_found"


def test_each_app_has_its_own_metrics_registry(policy_dir: Path) -> None:
    decider = Decider.from_folder([policy_dir])
    first, second = create_app(decider), create_app(decider)
    first.state.sentinel.metrics.decisions.labels("a", "allow", "r").inc()
    assert first.state.sentinel.metrics.registry is not second.state.sentinel.metrics.registry
    assert second.state.sentinel.metrics.registry.get_sample_value(
        "policy_decision_total", {"tenant": "a", "decision": "allow", "policy_id": "r"}
    ) is None


@pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning")
def test_an_app_whose_policies_failed_to_load_is_unready_and_denies() -> None:
    from starlette.testclient import TestClient

    from sentinel.errors import PolicyError

    def broken_loader() -> Decider:
        raise PolicyError("cannot compile policy", file="p.rego", line=3)

    with TestClient(create_app(loader=broken_loader)) as client:
        assert client.get("/readyz").status_code == 503
        response = client.post("/v1/evaluate", json=REQUEST)
        assert response.status_code == 503
        assert response.json()["decision"] == "deny"
        assert response.json()["reasons"][0]["rule"] == "sentinel.runtime.not_ready"
        assert client.post("/v1/data/sentinel/decision/allow", json={"input": {}}).status_code == 503


def test_a_tenant_without_a_pack_is_counted_as_unknown(start_server: StartServer, tmp_path: Path) -> None:
    write(tmp_path / "packs" / "acme", "p.rego", 'package sentinel.decision\n\ndeny contains "x" if false\n')
    service = start_server("--tenant-packs", str(tmp_path / "packs"))
    for tenant in ("acme", "invented-1", "invented-2"):
        service.client.post("/v1/evaluate", json={**REQUEST, "tenant": tenant})
    tenants = {labels["tenant"]: value for labels, value in _samples(service)["policy_decision_total"]}
    assert tenants == {"acme": 1.0, "unknown": 2.0}


def test_a_wrong_method_answers_a_json_405(service: Running) -> None:
    response = service.client.get("/v1/evaluate")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert response.headers["allow"] == "POST"
