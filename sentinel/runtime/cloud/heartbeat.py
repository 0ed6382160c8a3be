"""The heartbeat message and the acknowledgement it expects.

``{type: "heartbeat", agent_id, timestamp, edition, uptime_s, active_sessions_count,
policy_version_hash}``; the server answers ``{type: "heartbeat_ack", timestamp}`` with the timestamp of
the heartbeat it acknowledges.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

HEARTBEAT = "heartbeat"
ACK = "heartbeat_ack"
MAX_MESSAGE = 64 * 1024


def rfc3339(moment: datetime) -> str:
    """UTC, microseconds, ``Z``: the runtime's one timestamp format (``evaluated_at``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class AgentInfo:
    """What a heartbeat reports; the callables are read at each beat."""

    agent_id: str
    edition: str
    active_sessions: Callable[[], int] = lambda: 0
    policy_version_hash: Callable[[], str] = lambda: ""


def build_heartbeat(agent: AgentInfo, now: datetime, uptime_s: float) -> dict[str, Any]:
    return {
        "type": HEARTBEAT,
        "agent_id": agent.agent_id,
        "timestamp": rfc3339(now),
        "edition": agent.edition,
        "uptime_s": max(0, int(uptime_s)),
        "active_sessions_count": max(0, int(agent.active_sessions())),
        "policy_version_hash": agent.policy_version_hash(),
    }


def parse_message(raw: str | bytes) -> dict[str, Any] | None:
    """A server message as a JSON object, or ``None`` for anything else (oversized, binary, not JSON)."""
    if isinstance(raw, bytes) or len(raw) > MAX_MESSAGE:
        return None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
