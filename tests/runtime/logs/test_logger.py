"""The bounded decision-log queue: order, JSONL output, drop-and-count when full, bad records isolated."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sentinel.runtime.logs.logger import DecisionLogger
from sentinel.runtime.logs.mask import parse_rule
from sentinel.runtime.logs.record import build_record, rfc3339_ns
from sentinel.runtime.logs.sink import FileSink


class GatedSink:
    """A sink (an adapter at the port) that holds every write until the test opens the gate."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.records: list[Mapping[str, Any]] = []

    def write(self, records: Sequence[Mapping[str, Any]]) -> None:
        self.entered.set()
        self.gate.wait(10)
        self.records.extend(records)

    def close(self) -> None:
        self.gate.set()


class PickySink:
    """Refuses any batch holding a record whose decision_id is "bad"."""

    def __init__(self) -> None:
        self.records: list[Mapping[str, Any]] = []

    def write(self, records: Sequence[Mapping[str, Any]]) -> None:
        if any(r["decision_id"] == "bad" for r in records):
            raise OSError("disk says no")
        self.records.extend(records)

    def close(self) -> None:
        pass


def _record(decision_id: str, **fields: Any) -> dict[str, Any]:
    return build_record(decision_id=decision_id, path="a/b", bundles={"default": "r1"}, **fields)


def test_records_reach_the_file_as_json_lines_in_order(tmp_path: Path) -> None:
    logger = DecisionLogger(FileSink(tmp_path / "log.jsonl"))
    logger.start()
    for i in range(100):
        logger.log(_record(str(i), input={"i": i}))
    logger.close()
    lines = (tmp_path / "log.jsonl").read_text().splitlines()
    assert [json.loads(line)["decision_id"] for line in lines] == [str(i) for i in range(100)]


def test_a_full_queue_drops_new_records_and_counts_them() -> None:
    sink = GatedSink()
    drops: list[int] = []
    logger = DecisionLogger(sink, queue_size=5, batch_size=1, on_drop=lambda: drops.append(1))
    logger.start()
    logger.log(_record("first"))
    assert sink.entered.wait(10)  # the writer thread holds "first"; the queue is empty again
    accepted = [logger.log(_record(str(i))) for i in range(8)]
    assert accepted == [True] * 5 + [False] * 3
    assert (logger.dropped, len(drops)) == (3, 3)
    sink.gate.set()
    logger.close()
    assert [r["decision_id"] for r in sink.records] == ["first", "0", "1", "2", "3", "4"]


def test_records_past_the_byte_budget_are_dropped_until_written() -> None:
    sink = GatedSink()
    logger = DecisionLogger(sink, max_bytes=1000, batch_size=1)
    logger.start()
    logger.log(_record("first"), size=600)
    assert sink.entered.wait(10)  # "first" is being written: its 600 bytes are still held
    assert logger.log(_record("big"), size=500) is False
    assert logger.log(_record("small"), size=400) is True
    sink.gate.set()
    logger.close()
    assert [r["decision_id"] for r in sink.records] == ["first", "small"]
    assert logger.dropped == 1


def test_a_record_the_sink_refuses_does_not_lose_its_batch() -> None:
    sink = PickySink()
    errors: list[int] = []
    logger = DecisionLogger(sink, on_error=lambda: errors.append(1))
    for decision_id in ("a", "bad", "c"):
        logger.log(_record(decision_id))
    logger.close()  # never started: close writes what is queued
    assert [r["decision_id"] for r in sink.records] == ["a", "c"]
    assert (logger.errors, len(errors)) == (1, 1)


def test_masking_happens_before_the_sink_sees_the_record(tmp_path: Path) -> None:
    logger = DecisionLogger(FileSink(tmp_path / "log.jsonl"), mask=[parse_rule("/input/secret")])
    logger.start()
    logger.log(_record("1", input={"secret": "s3cr3t", "ok": 1}))
    logger.close()
    assert "s3cr3t" not in (tmp_path / "log.jsonl").read_text()


def test_an_undefined_result_and_no_input_leave_the_keys_out() -> None:
    record = _record("1")
    assert "result" not in record and "input" not in record
    assert _record("2", result=None)["result"] is None


def test_timestamps_are_rfc3339_utc_with_nanoseconds() -> None:
    assert rfc3339_ns(1_700_000_000_123_456_789) == "2023-11-14T22:13:20.123456789Z"


def test_the_file_is_private_to_its_owner(tmp_path: Path) -> None:
    FileSink(tmp_path / "log.jsonl").close()
    assert (tmp_path / "log.jsonl").stat().st_mode & 0o777 == 0o600
