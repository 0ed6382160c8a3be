"""The decision-log sink adapter: decision-log records become v2 trace entries.

Implements :class:`sentinel.runtime.logs.sink.DecisionLogSink`: each ``write`` appends the batch and
flushes it (one fsync per batch). The v2 fields come from the record: ``risk_level`` from the result,
``policy_version`` from the bundle revisions, ``session_tags`` from ``input.session_tags``,
``evaluation_duration_ms`` from the evaluation timer, ``entry_id`` from ``decision_id``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sentinel.runtime.trace.entry import RESERVED_FIELDS, RISK_LEVELS
from sentinel.runtime.trace.writer import TraceWriter

_TIMERS = ("timer_rego_query_eval_ns", "timer_server_handler_ns")


def _risk_level(record: Mapping[str, Any]) -> str:
    result = record.get("result")
    level = result.get("risk_level") if isinstance(result, Mapping) else None
    return level if isinstance(level, str) and level in RISK_LEVELS else "unknown"


def _policy_version(record: Mapping[str, Any]) -> str:
    bundles = record.get("bundles")
    if not isinstance(bundles, Mapping) or not bundles:
        return "unknown"
    parts = []
    for name in sorted(bundles):
        info = bundles[name]
        revision = info.get("revision") if isinstance(info, Mapping) else None
        parts.append(f"{name}@{revision}" if isinstance(revision, str) and revision else str(name))
    return ",".join(parts)[:1024]


def _session_tags(record: Mapping[str, Any]) -> list[str]:
    request = record.get("input")
    tags = request.get("session_tags") if isinstance(request, Mapping) else None
    if not isinstance(tags, list) or len(tags) > 256:
        return []
    if all(isinstance(t, str) and 0 < len(t) <= 256 for t in tags):
        return list(tags)
    return []


def _duration_ms(record: Mapping[str, Any]) -> float:
    metrics = record.get("metrics")
    if isinstance(metrics, Mapping):
        for name in _TIMERS:
            value = metrics.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53:
                return round(value / 1_000_000, 3)
    return 0


class TraceSink:
    """A :class:`~sentinel.runtime.logs.sink.DecisionLogSink` that writes to a :class:`TraceWriter`."""

    def __init__(self, writer: TraceWriter) -> None:
        self._writer = writer

    def write(self, records: Sequence[Mapping[str, Any]]) -> None:
        for record in records:
            payload = {k: v for k, v in record.items() if k not in RESERVED_FIELDS}
            clashing = {k: record[k] for k in RESERVED_FIELDS.intersection(record)}
            if clashing:
                payload["record_fields"] = clashing
            decision_id = record.get("decision_id")
            self._writer.append(
                payload,
                risk_level=_risk_level(record),
                policy_version=_policy_version(record),
                session_tags=_session_tags(record),
                evaluation_duration_ms=_duration_ms(record),
                entry_id=decision_id if isinstance(decision_id, str) and decision_id else None,
            )
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()
