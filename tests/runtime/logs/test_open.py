"""The decision log a service writes: OPA's JSON Lines, the v2 audit trace with a checkpoint key, or the v1
trace when the decision_trace_v2 feature is off (issue 17: the runtime modules consult the flags)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sentinel.errors import UsageError
from sentinel.runtime.logs.open import open_decision_log
from sentinel.runtime.trace.checkpoint import KeySet, generate_key
from sentinel.runtime.trace.migrate import detect_trace_version
from sentinel.runtime.trace.verify import verify_trace

RECORDS = [
    {"decision_id": f"d{i}", "path": "sentinel/decision", "input": {"tenant": "acme", "n": i},
     "result": {"decision": "allow", "risk_level": "low"}, "timestamp": "2026-12-07T10:00:00Z"}
    for i in range(3)
]


@pytest.fixture
def key_files(tmp_path: Path) -> tuple[Path, Path]:
    pem, jwks = generate_key()
    private, public = tmp_path / "trace.pem", tmp_path / "trace.jwks"
    private.write_bytes(pem)
    private.chmod(0o600)
    public.write_text(json.dumps(jwks))
    return private, public


def _write(path: Path, **kwargs: object) -> None:
    sink = open_decision_log(str(path), **kwargs)  # type: ignore[arg-type]
    assert sink is not None
    sink.write(RECORDS)
    sink.close()


def test_without_a_key_the_log_is_opa_decision_log_lines(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    _write(log, environ={})
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines == RECORDS


def test_with_a_key_the_log_is_the_signed_v2_trace(tmp_path: Path, key_files: tuple[Path, Path]) -> None:
    private, public = key_files
    log = tmp_path / "trace.jsonl"
    _write(log, trace_key=str(private), environ={})
    assert detect_trace_version(log) == "2"
    report = verify_trace(log, KeySet.load([public]))
    assert report.ok, report.failure
    assert report.entries == 3


def test_with_decision_trace_v2_off_the_v1_trace_is_written(
    tmp_path: Path, key_files: tuple[Path, Path]
) -> None:
    private, _ = key_files
    log = tmp_path / "trace.jsonl"
    _write(log, trace_key=str(private), environ={"SENTINEL_FEATURE_DECISION_TRACE_V2": "off"})
    assert detect_trace_version(log) == "1"
    assert [json.loads(line)["decision_id"] for line in log.read_text().splitlines()] == ["d0", "d1", "d2"]


def test_a_trace_key_without_a_log_file_is_a_usage_error(key_files: tuple[Path, Path]) -> None:
    with pytest.raises(UsageError, match="--decision-log"):
        open_decision_log(None, trace_key=str(key_files[0]), environ={})


def test_no_log_file_means_no_sink() -> None:
    assert open_decision_log(None, environ={}) is None
