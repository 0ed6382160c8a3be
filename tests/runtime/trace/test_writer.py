"""The writer: batches fsynced together, checkpoints every N entries and on close, resume, one writer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sentinel.runtime.trace.checkpoint import checkpoints_path
from sentinel.runtime.trace.errors import TraceError
from sentinel.runtime.trace.verify import verify_trace
from sentinel.runtime.trace.writer import TraceWriter
from tests.runtime.trace.conftest import Keys, decision, lines, write_trace


def test_a_batch_is_on_disk_when_its_last_entry_returns(tmp_path: Path, keys: Keys) -> None:
    path = tmp_path / "t.jsonl"
    with TraceWriter(path, keys.signer, batch_size=3) as writer:
        writer.append(decision(0))
        writer.append(decision(1))
        assert path.read_bytes() == b""  # still in the 8 KiB write buffer
        writer.append(decision(2))
        assert len(lines(path)) == 3


def test_checkpoints_are_written_every_n_entries_and_on_close(tmp_path: Path, keys: Keys) -> None:
    path = write_trace(tmp_path / "t.jsonl", keys.signer, 12, checkpoint_every=5, batch_size=1)
    sizes = [json.loads(line)["tree_size"] for line in lines(checkpoints_path(path))]
    assert sizes == [5, 10, 12]


def test_a_reopened_trace_continues_the_chain(tmp_path: Path, keys: Keys) -> None:
    path = write_trace(tmp_path / "t.jsonl", keys.signer, 7)
    with TraceWriter(path, keys.signer) as writer:
        assert writer.size == 7
        writer.append(decision(7))
    report = verify_trace(path, keys.keyset)
    assert report.ok and report.entries == 8


def test_a_trace_without_checkpoint_hints_is_resumed_by_reading_it(tmp_path: Path, keys: Keys) -> None:
    path = write_trace(tmp_path / "t.jsonl", keys.signer, 7)
    checkpoints_path(path).write_bytes(b"")
    with TraceWriter(path, keys.signer) as writer:
        writer.append(decision(7))
    assert verify_trace(path, keys.keyset).ok


def test_a_second_writer_on_the_same_file_is_refused(tmp_path: Path, keys: Keys) -> None:
    path = tmp_path / "t.jsonl"
    with TraceWriter(path, keys.signer), pytest.raises(TraceError, match="another writer"):
        TraceWriter(path, keys.signer)


def test_a_trace_with_a_truncated_last_line_is_not_resumed(tmp_path: Path, keys: Keys) -> None:
    path = write_trace(tmp_path / "t.jsonl", keys.signer, 3)
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(TraceError, match="repair"):
        TraceWriter(path, keys.signer)


def test_a_tampered_trace_is_not_resumed(tmp_path: Path, keys: Keys) -> None:
    path = write_trace(tmp_path / "t.jsonl", keys.signer, 3)
    checkpoints_path(path).write_bytes(b"")
    content = lines(path)
    path.write_bytes(content[1] + content[0] + content[2])
    with pytest.raises(TraceError, match="does not continue the chain"):
        TraceWriter(path, keys.signer)


def test_a_payload_using_a_reserved_field_is_refused(tmp_path: Path, keys: Keys) -> None:
    with TraceWriter(tmp_path / "t.jsonl", keys.signer) as writer, pytest.raises(ValueError, match="seq"):
        writer.append({"seq": 99})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"risk_level": "severe"},
        {"evaluation_duration_ms": -1},
        {"session_tags": [""]},
        {"policy_version": ""},
    ],
)
def test_an_invalid_v2_field_is_refused(tmp_path: Path, keys: Keys, kwargs: dict[str, object]) -> None:
    with TraceWriter(tmp_path / "t.jsonl", keys.signer) as writer, pytest.raises(ValueError):
        writer.append(decision(0), **kwargs)  # type: ignore[arg-type]


def test_a_value_json_cannot_carry_exactly_is_refused(tmp_path: Path, keys: Keys) -> None:
    with TraceWriter(tmp_path / "t.jsonl", keys.signer) as writer, pytest.raises(ValueError):
        writer.append({"big": 2**64})


def test_a_new_trace_file_is_private_to_its_owner(tmp_path: Path, keys: Keys) -> None:
    path = write_trace(tmp_path / "t.jsonl", keys.signer, 1)
    assert path.stat().st_mode & 0o777 == 0o600
    assert checkpoints_path(path).stat().st_mode & 0o777 == 0o600


def test_a_trace_whose_checkpoint_file_ends_mid_line_is_not_resumed(tmp_path: Path, keys: Keys) -> None:
    path = write_trace(tmp_path / "t.jsonl", keys.signer, 3)
    cps = checkpoints_path(path)
    cps.write_bytes(cps.read_bytes() + b'{"key_id"')
    with pytest.raises(TraceError, match="checkpoint line is truncated"):
        TraceWriter(path, keys.signer)


def test_appends_from_many_threads_form_one_valid_chain(tmp_path: Path, keys: Keys) -> None:
    import threading

    path = tmp_path / "t.jsonl"
    with TraceWriter(path, keys.signer, batch_size=7, checkpoint_every=20) as writer:
        threads = [
            threading.Thread(target=lambda: [writer.append(decision(i)) for i in range(25)]) for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    report = verify_trace(path, keys.keyset)
    assert report.ok and report.entries == 100


def test_resuming_reads_only_the_entries_after_the_last_checkpoint(tmp_path: Path, keys: Keys) -> None:
    path = write_trace(tmp_path / "t.jsonl", keys.signer, 10)
    content = lines(path)
    content[0] = content[0].replace(b'"decision":"deny"', b'"decision":"DENY"')  # same length
    path.write_bytes(b"".join(content))
    with TraceWriter(path, keys.signer) as writer:  # the signed frontier stands in for entries 0..9
        assert writer.size == 10
