"""TraceSink: the decision-log sink port writes decision-log records as v2 entries."""

from __future__ import annotations

import json
from pathlib import Path

from sentinel.runtime.logs.record import build_record
from sentinel.runtime.logs.sink import DecisionLogSink
from sentinel.runtime.trace.sink import TraceSink
from sentinel.runtime.trace.verify import verify_trace
from sentinel.runtime.trace.writer import TraceWriter
from tests.runtime.trace.conftest import Keys, lines


def test_decision_log_records_become_verified_trace_entries(tmp_path: Path, keys: Keys) -> None:
    path = tmp_path / "decisions.jsonl"
    sink: DecisionLogSink = TraceSink(TraceWriter(path, keys.signer, batch_size=100))
    record = build_record(
        decision_id="dec-1",
        path="sentinel/decision",
        bundles={"main": "rev-42"},
        input={"user": "ana", "session_tags": ["beta"]},
        result={"decision": "deny", "risk_level": "high"},
        metrics={"timer_rego_query_eval_ns": 2_500_000},
        timestamp_ns=1_765_000_000_000_000_000,
    )
    sink.write([record])
    assert len(lines(path)) == 1  # one fsynced batch per write call
    sink.close()
    entry = json.loads(lines(path)[0])
    assert entry["entry_id"] == "dec-1"
    assert (entry["risk_level"], entry["policy_version"]) == ("high", "main@rev-42")
    assert (entry["session_tags"], entry["evaluation_duration_ms"]) == (["beta"], 2.5)
    assert entry["input"] == {"user": "ana", "session_tags": ["beta"]}
    assert verify_trace(path, keys.keyset).ok


def test_a_record_without_risk_or_bundles_gets_unknowns(tmp_path: Path, keys: Keys) -> None:
    path = tmp_path / "decisions.jsonl"
    sink = TraceSink(TraceWriter(path, keys.signer))
    sink.write([build_record(decision_id="dec-2", path="x", bundles={}, input={"session_tags": "x"})])
    sink.close()
    entry = json.loads(lines(path)[0])
    assert (entry["risk_level"], entry["policy_version"], entry["session_tags"]) == ("unknown", "unknown", [])


def test_the_decision_logger_writes_through_the_trace_sink(tmp_path: Path, keys: Keys) -> None:
    from sentinel.runtime.logs.logger import DecisionLogger

    path = tmp_path / "decisions.jsonl"
    logger = DecisionLogger(TraceSink(TraceWriter(path, keys.signer)), batch_size=50)
    logger.start()
    for i in range(120):
        record = build_record(decision_id=f"dec-{i}", path="sentinel/decision", bundles={"main": "r1"})
        assert logger.log(record)
    logger.close()
    report = verify_trace(path, keys.keyset)
    assert report.ok and report.entries == 120 and logger.dropped == 0 and logger.errors == 0
    assert [json.loads(line)["entry_id"] for line in lines(path)] == [f"dec-{i}" for i in range(120)]
