"""The volatile parts of a decision: a random ``decision_id`` (UUID 4) and ``evaluated_at`` (RFC 3339).

Both are on the hot path of every decision, where ``str(uuid.uuid4())`` and
``datetime.now(UTC).isoformat(...)`` each cost microseconds; these give the same formats for less.
"""

from __future__ import annotations

import os
import time


def random_uuid4() -> str:
    """A random UUID 4 in its canonical form, as ``str(uuid.uuid4())`` gives (RFC 9562: version 4,
    variant 10), without building a ``uuid.UUID``."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def rfc3339_now() -> str:
    """The current time as RFC 3339 UTC with microseconds (``UtcClock.now`` without its kept second)."""
    second, micros = divmod(time.time_ns() // 1000, 1_000_000)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(second))}.{micros:06d}Z"


class UtcClock:
    """Current time as RFC 3339 UTC with microseconds (``2026-12-07T17:30:00.123456Z``).

    The date and time up to the second are formatted once per second and kept; each call then only
    appends the microseconds. One clock per decider; safe to share between threads (the kept pair is
    replaced as one tuple).
    """

    def __init__(self) -> None:
        self._second: tuple[int, str] = (-1, "")

    def now(self) -> str:
        second, micros = divmod(time.time_ns() // 1000, 1_000_000)
        kept = self._second
        if kept[0] != second:
            kept = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
            self._second = kept
        return f"{kept[1]}.{micros:06d}Z"
