"""Verify a trace in one streaming pass: the hash chain, the Merkle tree and the signed checkpoints.

Memory is constant in the trace's length: one line, one lookahead entry, the Merkle frontier (one hash
per set bit of the size) and the checkpoints' sizes. The first problem stops the pass and is reported
with the first bad entry's ``seq``, its line number and a reason; v1 lines (no ``schema_version``) are
skipped and counted.
"""

from __future__ import annotations

import enum
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from sentinel.runtime.trace.checkpoint import (
    BadSignatureError,
    Checkpoint,
    CheckpointFormatError,
    KeySet,
    UnknownKeyError,
    checkpoints_path,
    iter_checkpoint_lines,
    parse_checkpoint,
)
from sentinel.runtime.trace.entry import MAX_ENTRY_BYTES, REQUIRED_FIELDS, SCHEMA_VERSION
from sentinel.runtime.trace.errors import TraceError
from sentinel.runtime.trace.hashing import GENESIS_PREV_HASH, HASH_FIELD, SUFFIX_LEN, canonical_json
from sentinel.runtime.trace.merkle import Frontier

_SAFE_INT = 2**53 - 1
_HEAD = b',"entry_hash":"'
_HEAD_LEN = len(_HEAD)
_TAIL = b'"}\n'


class Reason(enum.StrEnum):
    CHANGED_FIELD = "changed field"
    SWAPPED_ORDER = "swapped order"
    DELETED_ENTRY = "deleted entry"
    INSERTED_ENTRY = "inserted entry"
    DUPLICATE_SEQ = "duplicate seq"
    CUT_TAIL = "cut tail"
    ROOT_MISMATCH = "root mismatch"
    BAD_SIGNATURE = "bad signature"
    UNKNOWN_KEY = "unknown key"
    BAD_CHECKPOINT = "bad checkpoint"
    NO_CHECKPOINT = "no checkpoint"
    TRUNCATED_LAST_LINE = "truncated last line"
    LINE_TOO_LONG = "line too long"
    INVALID_JSON = "invalid JSON"
    MISSING_FIELD = "missing field"
    UNSUPPORTED_VERSION = "unsupported schema version"
    NOT_CANONICAL = "not canonical"


@dataclass(frozen=True)
class Failure:
    reason: Reason
    seq: int | None
    line: int | None
    detail: str


@dataclass
class VerifyReport:
    entries: int = 0  # v2 entries that checked out (all of them when valid)
    v1_ignored: int = 0
    checkpoints: int = 0
    uncheckpointed: int = 0
    root_hash: str = ""
    failure: Failure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


@dataclass(slots=True)
class _Entry:
    line: int
    raw: bytes
    seq: int
    prev_hash: str
    stated: str
    computed: str


@dataclass(frozen=True)
class _Bad:
    line: int
    reason: Reason
    detail: str


def verify_trace(
    path: str | os.PathLike[str],
    keys: KeySet,
    *,
    checkpoints: str | os.PathLike[str] | None = None,
    strict: bool = False,
    require_checkpoint: bool = True,
) -> VerifyReport:
    """Check ``path`` against its checkpoint file (default ``<path>.checkpoints``) and ``keys``.

    ``strict`` also re-serialises every entry and requires the exact RFC 8785 bytes (slower).
    Raises :class:`TraceError` only when a file cannot be read at all.
    """
    trace = Path(path)
    cp_path = Path(checkpoints) if checkpoints is not None else checkpoints_path(trace)
    report = VerifyReport()
    try:
        with trace.open("rb") as fh:
            by_size, failure = _load_checkpoints(cp_path, keys)
            report.checkpoints = len(by_size)
            if failure is None and require_checkpoint and not by_size:
                failure = Failure(Reason.NO_CHECKPOINT, None, None, f"{cp_path} holds no checkpoint")
            if failure is None:
                failure = _walk(_records(fh, report, strict), by_size, report)
    except OSError as exc:
        raise TraceError(f"cannot read: {exc.strerror}", file=exc.filename or str(trace)) from exc
    report.failure = failure
    return report


def _load_checkpoints(path: Path, keys: KeySet) -> tuple[dict[int, Checkpoint], Failure | None]:
    by_size: dict[int, Checkpoint] = {}
    if not path.exists():
        return by_size, None
    last = 0
    for number, raw in iter_checkpoint_lines(path):
        where = f"checkpoint line {number}"
        if not raw.endswith(b"\n"):
            reason = Reason.LINE_TOO_LONG if len(raw) > 64 * 1024 else Reason.TRUNCATED_LAST_LINE
            return by_size, Failure(reason, None, number, f"{where} of {path.name} is incomplete")
        try:
            cp = parse_checkpoint(orjson.loads(raw))
        except orjson.JSONDecodeError:
            return by_size, Failure(Reason.INVALID_JSON, None, number, f"{where} is not JSON")
        except CheckpointFormatError as exc:
            return by_size, Failure(Reason.BAD_CHECKPOINT, None, number, f"{where}: {exc}")
        try:
            keys.verify(cp)
        except UnknownKeyError as exc:
            return by_size, Failure(Reason.UNKNOWN_KEY, cp.tree_size - 1, number, f"{where}: {exc}")
        except BadSignatureError as exc:
            return by_size, Failure(Reason.BAD_SIGNATURE, cp.tree_size - 1, number, f"{where}: {exc}")
        if cp.tree_size <= last:
            detail = f"{where}: tree size {cp.tree_size} does not grow (previous {last})"
            return by_size, Failure(Reason.BAD_CHECKPOINT, cp.tree_size - 1, number, detail)
        last = cp.tree_size
        by_size[cp.tree_size] = cp
    return by_size, None


def _records(fh: Any, report: VerifyReport, strict: bool) -> Iterator[_Entry | _Bad]:
    """Parsed v2 entries and line-level problems, in file order; v1 lines are counted, not yielded."""
    number = 0
    sha256 = hashlib.sha256
    loads = orjson.loads
    while True:
        raw: bytes = fh.readline(MAX_ENTRY_BYTES + 1)
        if not raw:
            return
        number += 1
        if not raw.endswith(b"\n"):
            if len(raw) > MAX_ENTRY_BYTES:
                detail = f"line {number} is longer than {MAX_ENTRY_BYTES} bytes"
                yield _Bad(number, Reason.LINE_TOO_LONG, detail)
            else:
                yield _Bad(number, Reason.TRUNCATED_LAST_LINE, f"line {number} ends without a newline")
            return
        try:
            doc = loads(raw)
        except orjson.JSONDecodeError:
            yield _Bad(number, Reason.INVALID_JSON, f"line {number} is not JSON")
            continue
        if type(doc) is not dict:
            yield _Bad(number, Reason.INVALID_JSON, f"line {number} is not a JSON object")
            continue
        version = doc.get("schema_version")
        if version is None:
            report.v1_ignored += 1
            continue
        if version != SCHEMA_VERSION:
            yield _Bad(number, Reason.UNSUPPORTED_VERSION, f"line {number}: schema_version {version!r}")
            continue
        if not REQUIRED_FIELDS.issubset(doc):
            missing = ", ".join(sorted(REQUIRED_FIELDS.difference(doc)))
            yield _Bad(number, Reason.MISSING_FIELD, f"line {number} lacks {missing}")
            continue
        seq, prev = doc["seq"], doc["prev_hash"]
        if type(seq) is not int or seq < 0 or type(prev) is not str:
            yield _Bad(number, Reason.MISSING_FIELD, f"line {number}: seq or prev_hash has the wrong type")
            continue
        # Inline split_line (the hot path): a valid JSON object ending in this exact suffix has it as
        # its last top-level member, so the parsed entry_hash is the suffix's value.
        cut = len(raw) - SUFFIX_LEN
        stated = doc[HASH_FIELD]
        if cut < 2 or raw[cut : cut + _HEAD_LEN] != _HEAD or raw[-3:] != _TAIL or type(stated) is not str:
            yield _Bad(number, Reason.NOT_CANONICAL, f"line {number}: entry_hash is not the last member")
            continue
        body = raw[:cut] + b"}"
        if strict and not _is_canonical(body):
                yield _Bad(number, Reason.NOT_CANONICAL, f"line {number} is not RFC 8785 canonical JSON")
                continue
        yield _Entry(number, raw, seq, prev, stated, sha256(body).hexdigest())


def _jcs_number(text: str) -> int | float:
    """An integer literal as JCS reads it: exact within ±(2**53 - 1), else the nearest double."""
    value = int(text)
    return value if -_SAFE_INT <= value <= _SAFE_INT else float(value)


def _is_canonical(body: bytes) -> bool:
    try:
        return canonical_json(json.loads(body, parse_int=_jcs_number)) == body
    except ValueError:
        return False


def _walk(
    records: Iterator[_Entry | _Bad], by_size: dict[int, Checkpoint], report: VerifyReport
) -> Failure | None:
    frontier = Frontier()
    try:
        return _walk_from(frontier, records, by_size, report)
    finally:
        report.entries = frontier.size  # on a failure: the entries before it


def _walk_from(
    frontier: Frontier, records: Iterator[_Entry | _Bad], by_size: dict[int, Checkpoint], report: VerifyReport
) -> Failure | None:
    sha256 = hashlib.sha256
    expected_prev = GENESIS_PREV_HASH
    last: _Entry | None = None
    pending: tuple[int, Failure] | None = None  # a root mismatch, held one entry for a sharper reason
    matched = 0  # size of the last checkpoint whose root the entries gave
    cur = next(records, None)
    while cur is not None:
        nxt = next(records, None)
        failure = _check(cur, nxt, frontier.size, expected_prev, last)
        if pending is not None:
            size, root_failure = pending
            if failure is not None and failure.seq is not None and failure.seq < size:
                return failure
            return root_failure
        if failure is not None:
            return failure
        assert isinstance(cur, _Entry)
        frontier.append_leaf_hash(sha256(b"\x00" + bytes.fromhex(cur.stated)).digest())
        expected_prev = cur.stated
        last = cur
        cp = by_size.get(frontier.size)
        if cp is not None and (cp.root_hash != frontier.root().hex() or cp.last_entry_hash != cur.stated):
            detail = (
                f"the entries do not give the root of the checkpoint of tree size {cp.tree_size}: one of"
                f" seq {matched} to {cp.tree_size - 1} was rewritten and the chain rebuilt after it"
            )
            pending = (cp.tree_size, Failure(Reason.ROOT_MISMATCH, cp.tree_size - 1, cur.line, detail))
        elif cp is not None:
            matched = cp.tree_size
        cur = nxt
    if pending is not None:
        return pending[1]
    report.root_hash = frontier.root().hex()
    last_size = max(by_size, default=0)
    if last_size > frontier.size:
        detail = (
            f"the last checkpoint covers {last_size} entries but the file ends after {frontier.size}"
            f" (seq {frontier.size} to {last_size - 1} are missing)"
        )
        return Failure(Reason.CUT_TAIL, frontier.size, last.line if last else None, detail)
    report.uncheckpointed = frontier.size - last_size
    return None


def _check(
    cur: _Entry | _Bad, nxt: _Entry | _Bad | None, expected: int, expected_prev: str, last: _Entry | None
) -> Failure | None:
    if isinstance(cur, _Bad):
        return Failure(cur.reason, expected, cur.line, cur.detail)
    line = cur.line
    if cur.computed != cur.stated:
        detail = f"line {line}: entry_hash does not match the entry"
        return Failure(Reason.CHANGED_FIELD, cur.seq, line, detail)
    ahead = nxt if isinstance(nxt, _Entry) else None
    if cur.seq == expected:
        if cur.prev_hash == expected_prev:
            return None
        if ahead is not None and ahead.seq == cur.seq and ahead.prev_hash == expected_prev:
            detail = f"line {line}: an entry with seq {cur.seq} that the chain does not link to was inserted"
            return Failure(Reason.INSERTED_ENTRY, cur.seq, line, detail)
        changed = max(expected - 1, 0)
        detail = f"line {line}: seq {cur.seq} links to another hash than entry {changed} has (entry changed)"
        return Failure(Reason.CHANGED_FIELD, changed, line, detail)
    if last is not None and cur.seq == last.seq:
        if cur.raw == last.raw:
            return Failure(Reason.DUPLICATE_SEQ, cur.seq, line, f"line {line} repeats seq {cur.seq}")
        if cur.prev_hash == last.prev_hash:
            detail = f"line {line}: two entries claim seq {cur.seq} after the same predecessor"
            return Failure(Reason.INSERTED_ENTRY, cur.seq, line, detail)
        return Failure(Reason.DUPLICATE_SEQ, cur.seq, line, f"line {line}: seq {cur.seq} appears twice")
    if cur.seq > expected:
        if ahead is not None and ahead.seq == expected:
            detail = f"line {line}: seq {cur.seq} comes before seq {expected}"
            return Failure(Reason.SWAPPED_ORDER, expected, line, detail)
        missing = f"seq {expected}" if cur.seq == expected + 1 else f"seq {expected} to {cur.seq - 1}"
        return Failure(Reason.DELETED_ENTRY, expected, line, f"line {line}: {missing} missing before it")
    detail = f"line {line}: seq {cur.seq} comes after seq {expected - 1}"
    return Failure(Reason.SWAPPED_ORDER, cur.seq, line, detail)
