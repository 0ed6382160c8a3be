"""Decision logs written by the real server: OPA's record shape, masking, one line per decision."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tests.runtime.api.conftest import StartServer

REQUEST = {"tenant": "acme", "subject": "bob", "action": "delete", "resource": "doc/1",
           "context": {"password": "hunter2", "ip": "10.0.0.1"}}


def _records(path: Path, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= count:
            return [json.loads(line) for line in lines]
        time.sleep(0.05)
    raise AssertionError(f"{path} has fewer than {count} records")


def test_an_evaluation_is_logged_in_opas_decision_log_shape(
    start_server: StartServer, policy_dir: Path, tmp_path: Path
) -> None:
    log = tmp_path / "decisions.jsonl"
    service = start_server("--policy", str(policy_dir), "--decision-log", str(log))
    decision = service.client.post("/v1/evaluate", json=REQUEST).json()
    (record,) = _records(log, 1)
    assert record["decision_id"] == decision["decision_id"]
    assert record["path"] == "sentinel/decision"
    assert record["result"] == decision
    assert record["input"]["subject"] == "bob"
    assert record["bundles"] == {"default": {"revision": decision["policy_revision"]}}
    assert record["timestamp"].endswith("Z")
    assert record["metrics"]["timer_server_handler_ns"] > 0
    assert set(record["labels"]) == {"id", "version"}


def test_masking_rules_erase_and_upsert_before_the_record_is_written(
    start_server: StartServer, policy_dir: Path, tmp_path: Path
) -> None:
    log = tmp_path / "decisions.jsonl"
    service = start_server(
        "--policy", str(policy_dir), "--decision-log", str(log),
        "--decision-log-mask", "/input/context/password",
        "--decision-log-mask", '{"op": "upsert", "path": "/input/context/ip", "value": "x.x.x.x"}',
    )
    service.client.post("/v1/evaluate", json=REQUEST)
    (record,) = _records(log, 1)
    assert "hunter2" not in log.read_text()
    assert record["input"]["context"] == {"ip": "x.x.x.x"}
    assert record["erased"] == ["/input/context/password"]
    assert record["masked"] == ["/input/context/ip"]


def test_a_data_query_is_logged_with_its_path_and_no_result_when_undefined(
    start_server: StartServer, policy_dir: Path, tmp_path: Path
) -> None:
    log = tmp_path / "decisions.jsonl"
    service = start_server("--policy", str(policy_dir), "--decision-log", str(log))
    query = {"input": {"action": "delete"}}
    answer = service.client.post("/v1/data/sentinel/decision/allow", json=query).json()
    (record,) = _records(log, 1)
    assert (record["path"], record["decision_id"]) == ("sentinel/decision/allow", answer["decision_id"])
    assert record["input"] == {"action": "delete"}
    assert "result" not in record


def test_every_decision_of_a_burst_is_one_line(
    start_server: StartServer, policy_dir: Path, tmp_path: Path
) -> None:
    log = tmp_path / "decisions.jsonl"
    service = start_server("--policy", str(policy_dir), "--decision-log", str(log))
    ids = {service.client.post("/v1/evaluate", json=REQUEST).json()["decision_id"] for _ in range(200)}
    assert {r["decision_id"] for r in _records(log, 200)} == ids
