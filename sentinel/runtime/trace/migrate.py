"""v1 → v2 migration and trace version detection.

A v1 entry is a JSON object per line without ``schema_version``. Migration keeps every v1 field: the v2
fields it already has are used when valid, defaults fill the rest, and any v1 value that cannot stand
in its v2 place (a chain field, or an invalid v2 value) is kept under ``v1_fields``. The output is
written to a temporary file and linked into place at the end, so a failure never leaves a half file,
and an existing output is never overwritten.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from sentinel.runtime.trace.checkpoint import Signer, checkpoints_path
from sentinel.runtime.trace.entry import CHAIN_FIELDS, MAX_ENTRY_BYTES, RISK_LEVELS
from sentinel.runtime.trace.errors import TraceError
from sentinel.runtime.trace.writer import TraceWriter

TraceVersion = Literal["1", "2", "mixed", "empty"]
LEGACY_FIELD = "v1_fields"
DEFAULTS: dict[str, Any] = {
    "risk_level": "unknown",
    "policy_version": "legacy",
    "session_tags": [],
    "evaluation_duration_ms": 0,
}


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    doc = dict(pairs)
    if len(doc) != len(pairs):
        raise ValueError("duplicate member name")
    return doc


def _objects(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        with path.open("rb") as fh:
            number = 0
            while True:
                raw = fh.readline(MAX_ENTRY_BYTES + 1)
                if not raw:
                    return
                number += 1
                if not raw.endswith(b"\n") and len(raw) > MAX_ENTRY_BYTES:
                    raise TraceError(f"line longer than {MAX_ENTRY_BYTES} bytes", file=str(path), line=number)
                if not raw.strip():
                    continue
                try:
                    doc = json.loads(raw, parse_constant=_no_constant, object_pairs_hook=_unique)
                except ValueError as exc:
                    raise TraceError("not a JSON line", file=str(path), line=number) from exc
                if not isinstance(doc, dict):
                    raise TraceError("not a JSON object", file=str(path), line=number)
                yield number, doc
    except OSError as exc:
        raise TraceError(f"cannot read: {exc.strerror}", file=str(path)) from exc


def detect_trace_version(path: str | os.PathLike[str]) -> TraceVersion:
    """``"1"``, ``"2"``, ``"mixed"`` (both kinds of line) or ``"empty"``; reads the whole file."""
    seen: set[str] = set()
    for _, doc in _objects(Path(path)):
        seen.add("2" if "schema_version" in doc else "1")
        if len(seen) == 2:
            return "mixed"
    return "empty" if not seen else ("2" if "2" in seen else "1")


def _valid(name: str, value: object) -> bool:
    if name == "risk_level":
        return value in RISK_LEVELS
    if name == "policy_version" or name == "entry_id":
        return isinstance(value, str) and 0 < len(value) <= 1024
    if name == "session_tags":
        return isinstance(value, list) and all(isinstance(t, str) and 0 < len(t) <= 256 for t in value)
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value < 2**53
    )


def v2_arguments(v1: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(payload, v2 field values)`` for one v1 entry; nothing of the v1 entry is dropped."""
    payload = dict(v1)
    legacy: dict[str, Any] = {}
    if LEGACY_FIELD in payload:
        raise ValueError(f"a v1 entry already has a field named {LEGACY_FIELD!r}")
    for name in CHAIN_FIELDS:
        if name in payload:
            legacy[name] = payload.pop(name)
    fields: dict[str, Any] = {}
    for name, default in (*DEFAULTS.items(), ("entry_id", None)):
        if name not in payload:
            if default is not None:
                fields[name] = default
            continue
        value = payload.pop(name)
        if _valid(name, value):
            fields[name] = value
        else:
            legacy[name] = value
            if default is not None:
                fields[name] = default
    if legacy:
        payload[LEGACY_FIELD] = legacy
    return payload, fields


def migrate_v1(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    signer: Signer,
    *,
    checkpoint_every: int = 1000,
) -> int:
    """Write ``target`` (a v2 trace with checkpoints) from the v1 trace ``source``; returns the count."""
    src, dst = Path(source), Path(target)
    version = detect_trace_version(src)
    if version == "2":
        raise TraceError("already a v2 trace: nothing to migrate (the file was not changed)", file=str(src))
    if version == "mixed":
        raise TraceError("holds v1 and v2 entries: only a pure v1 trace can be migrated", file=str(src))
    if version == "empty":
        raise TraceError("holds no entries: nothing to migrate", file=str(src))
    dst_cps = checkpoints_path(dst)
    for existing in (dst, dst_cps):
        if existing.exists():
            raise TraceError("already exists; migrate never overwrites a file", file=str(existing))
    tmp = dst.with_name(f".{dst.name}.migrating-{os.getpid()}")
    tmp_cps = checkpoints_path(tmp)
    count = 0
    try:
        with TraceWriter(tmp, signer, batch_size=1000, checkpoint_every=checkpoint_every) as writer:
            for number, doc in _objects(src):
                try:
                    payload, fields = v2_arguments(doc)
                    writer.append(payload, **fields)
                except ValueError as exc:
                    raise TraceError(f"cannot migrate this entry: {exc}", file=str(src), line=number) from exc
                count += 1
        os.link(tmp, dst)
        os.link(tmp_cps, dst_cps)
        directory = os.open(dst.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except FileExistsError as exc:
        raise TraceError("already exists; migrate never overwrites a file", file=str(exc.filename)) from exc
    finally:
        for leftover in (tmp, tmp_cps):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    return count
