"""The fields of a v2 trace entry and how one is built from a decision payload.

A v2 entry is one flat JSON object: the chain fields (``seq``, ``prev_hash``, ``entry_hash``), the v2
fields below, and the decision payload's own fields beside them (a v1 entry's fields stay where they
were, so migration keeps every one). A payload may not use a reserved name.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

SCHEMA_VERSION = "2.0"
RISK_LEVELS = frozenset({"none", "low", "medium", "high", "critical", "unknown"})
CHAIN_FIELDS = ("seq", "prev_hash", "entry_hash")
V2_FIELDS = (
    "entry_id",
    "risk_level",
    "policy_version",
    "session_tags",
    "evaluation_duration_ms",
    "schema_version",
)
REQUIRED_FIELDS = frozenset(CHAIN_FIELDS + V2_FIELDS)
RESERVED_FIELDS = REQUIRED_FIELDS

MAX_ENTRY_BYTES = 1 << 20
"""Longest line a writer writes and a verifier reads (1 MiB); longer lines are refused."""

RiskLevelName = Literal["none", "low", "medium", "high", "critical", "unknown"]


def _check_text(name: str, value: object, limit: int = 1024) -> str:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ValueError(f"{name} must be a non-empty string of at most {limit} characters")
    return value


def build_body(
    payload: Mapping[str, Any],
    *,
    seq: int,
    prev_hash: str,
    entry_id: str,
    risk_level: str = "unknown",
    policy_version: str = "unknown",
    session_tags: list[str] | tuple[str, ...] = (),
    evaluation_duration_ms: float = 0,
) -> dict[str, Any]:
    """The entry without ``entry_hash`` (what is hashed); raises ``ValueError`` on a bad field."""
    clash = sorted(RESERVED_FIELDS.intersection(payload))
    if clash:
        raise ValueError(f"payload uses reserved trace field(s): {', '.join(clash)}")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq < 2**53:
        raise ValueError("seq must be an integer in [0, 2**53)")
    if risk_level not in RISK_LEVELS:
        raise ValueError(f"risk_level must be one of {', '.join(sorted(RISK_LEVELS))}")
    tags = list(session_tags)
    if len(tags) > 256 or not all(isinstance(t, str) and 0 < len(t) <= 256 for t in tags):
        raise ValueError("session_tags must be at most 256 non-empty strings of at most 256 characters")
    duration = evaluation_duration_ms
    if (
        isinstance(duration, bool)
        or not isinstance(duration, int | float)
        or not math.isfinite(duration)
        or not 0 <= duration < 2**53
    ):
        raise ValueError("evaluation_duration_ms must be a finite number >= 0")
    return {
        **payload,
        "seq": seq,
        "prev_hash": prev_hash,
        "entry_id": _check_text("entry_id", entry_id),
        "risk_level": risk_level,
        "policy_version": _check_text("policy_version", policy_version),
        "session_tags": tags,
        "evaluation_duration_ms": duration,
        "schema_version": SCHEMA_VERSION,
    }
