"""v1 → v2 migration keeps every field, refuses a v2 input, never overwrites; mixed files verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sentinel.runtime.trace.checkpoint import checkpoints_path
from sentinel.runtime.trace.errors import TraceError
from sentinel.runtime.trace.migrate import detect_trace_version, migrate_v1
from sentinel.runtime.trace.verify import verify_trace
from sentinel.runtime.trace.writer import TraceWriter
from tests.runtime.trace.conftest import Keys, decision, lines, write_trace

V1 = [
    {"decision": "allow", "user": "ana", "ts": "2025-01-01T00:00:00Z", "nested": {"b": 1, "a": [1, 2]}},
    {"decision": "deny", "user": "bo", "risk_level": "high", "policy_version": "p-3"},
    {"decision": "deny", "seq": 41, "risk_level": "severe", "session_tags": "not-a-list"},
]


def _v1(tmp_path: Path) -> Path:
    path = tmp_path / "v1.jsonl"
    path.write_text("".join(json.dumps(doc) + "\n" for doc in V1))
    return path


def test_migration_keeps_every_v1_field_and_fills_defaults(tmp_path: Path, keys: Keys) -> None:
    target = tmp_path / "v2.jsonl"
    assert migrate_v1(_v1(tmp_path), target, keys.signer) == 3
    first, second, third = (json.loads(line) for line in lines(target))
    assert {k: first[k] for k in V1[0]} == V1[0]
    assert (first["risk_level"], first["policy_version"]) == ("unknown", "legacy")
    assert (first["session_tags"], first["evaluation_duration_ms"], first["schema_version"]) == ([], 0, "2.0")
    assert (second["risk_level"], second["policy_version"]) == ("high", "p-3")
    assert third["v1_fields"] == {"seq": 41, "risk_level": "severe", "session_tags": "not-a-list"}
    assert (third["seq"], third["risk_level"], third["session_tags"]) == (2, "unknown", [])


def test_a_migrated_trace_verifies(tmp_path: Path, keys: Keys) -> None:
    target = tmp_path / "v2.jsonl"
    migrate_v1(_v1(tmp_path), target, keys.signer)
    report = verify_trace(target, keys.keyset)
    assert report.ok and report.entries == 3


def test_an_invalid_json_line_is_named_with_its_line(tmp_path: Path, keys: Keys) -> None:
    source = _v1(tmp_path)
    source.write_text(source.read_text() + "{not json\n")
    with pytest.raises(TraceError, match=r"v1\.jsonl:4: not a JSON line"):
        migrate_v1(source, tmp_path / "v2.jsonl", keys.signer)


def test_versions_are_detected(tmp_path: Path, keys: Keys) -> None:
    v2 = write_trace(tmp_path / "v2.jsonl", keys.signer, 2)
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert [detect_trace_version(p) for p in (_v1(tmp_path), v2, empty)] == ["1", "2", "empty"]


def test_migrating_a_v2_trace_is_an_error_that_changes_nothing(tmp_path: Path, keys: Keys) -> None:
    v2 = write_trace(tmp_path / "v2.jsonl", keys.signer, 2)
    before = v2.read_bytes()
    with pytest.raises(TraceError, match="already a v2 trace"):
        migrate_v1(v2, tmp_path / "out.jsonl", keys.signer)
    assert v2.read_bytes() == before
    assert not (tmp_path / "out.jsonl").exists()


def test_migration_never_overwrites(tmp_path: Path, keys: Keys) -> None:
    target = tmp_path / "v2.jsonl"
    target.write_text("precious\n")
    with pytest.raises(TraceError, match="never overwrites"):
        migrate_v1(_v1(tmp_path), target, keys.signer)
    assert target.read_text() == "precious\n"


def test_a_bad_v1_line_fails_the_migration_without_leaving_a_file(tmp_path: Path, keys: Keys) -> None:
    source = _v1(tmp_path)
    source.write_text(source.read_text() + '{"big": 18446744073709551616}\n')  # beyond JSON's safe integers
    target = tmp_path / "v2.jsonl"
    with pytest.raises(TraceError, match=r"v1\.jsonl:4: cannot migrate"):
        migrate_v1(source, target, keys.signer)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["v1.jsonl"]


def test_a_mixed_file_verifies_and_reports_the_ignored_v1_entries(tmp_path: Path, keys: Keys) -> None:
    path = _v1(tmp_path)
    with TraceWriter(path, keys.signer, batch_size=1) as writer:
        for i in range(4):
            writer.append(decision(i))
    assert detect_trace_version(path) == "mixed"
    report = verify_trace(path, keys.keyset)
    assert report.ok and (report.entries, report.v1_ignored) == (4, 3)
    assert checkpoints_path(path).exists()


def test_a_v2_entry_turned_into_a_v1_line_is_a_deleted_entry(tmp_path: Path, keys: Keys) -> None:
    path = write_trace(tmp_path / "t.jsonl", keys.signer, 6)
    content = lines(path)
    doc = json.loads(content[2])
    del doc["schema_version"]
    content[2] = json.dumps(doc).encode() + b"\n"
    path.write_bytes(b"".join(content))
    report = verify_trace(path, keys.keyset)
    assert report.failure is not None
    assert (report.failure.reason.value, report.failure.seq) == ("deleted entry", 2)
