"""A decision-log record in OPA's decision-log event shape.

Fields, as OPA writes them: ``labels``, ``decision_id``, ``path`` (the data path queried, ``a/b``),
``input`` (absent when the query had none), ``result`` (absent when undefined), ``error`` (when the
evaluation failed), ``bundles`` (``{name: {"revision": ...}}``), ``requested_by`` (the peer address),
``timestamp`` (RFC 3339, UTC, nanoseconds), ``metrics`` (``timer_*_ns``), ``erased``/``masked`` (added
by the masking rules).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

_NO_VALUE: Any = object()


def rfc3339_ns(epoch_ns: int) -> str:
    """``2026-12-07T17:30:00.123456789Z`` from nanoseconds since the epoch."""
    seconds, nanos = divmod(epoch_ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{nanos:09d}Z"


def build_record(
    *,
    decision_id: str,
    path: str,
    bundles: Mapping[str, str],
    input: Any = _NO_VALUE,  # OPA's field name
    result: Any = _NO_VALUE,
    error: Mapping[str, Any] | None = None,
    requested_by: str = "",
    metrics: Mapping[str, int] | None = None,
    labels: Mapping[str, str] | None = None,
    timestamp_ns: int | None = None,
) -> dict[str, Any]:
    """One record; leave ``input``/``result`` out to record "no input" / "undefined" as OPA does."""
    record: dict[str, Any] = {
        "labels": dict(labels or {}),
        "decision_id": decision_id,
        "path": path,
        "bundles": {name: {"revision": revision} for name, revision in bundles.items()},
        "timestamp": rfc3339_ns(time.time_ns() if timestamp_ns is None else timestamp_ns),
        "metrics": dict(metrics or {}),
    }
    if input is not _NO_VALUE:
        record["input"] = input
    if result is not _NO_VALUE:
        record["result"] = result
    if error is not None:
        record["error"] = dict(error)
    if requested_by:
        record["requested_by"] = requested_by
    return record
