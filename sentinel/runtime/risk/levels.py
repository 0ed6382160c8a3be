"""Risk levels and the classifier's result: plain values, no engine, no optional dependency."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class RiskLevel(enum.Enum):
    """An ordered risk level, NONE < LOW < MEDIUM < HIGH < CRITICAL.

    The values are the lower-case strings the risk policy answers and decisions carry. It is not a
    ``str`` subclass, so a level never compares equal to (or sorts among) arbitrary strings.
    """

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for NONE up to 4 for CRITICAL."""
        return _RANKS[self.value]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return self.rank >= other.rank


_RANKS = {"none": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


@dataclass(frozen=True)
class RiskResult:
    """A classification: the level, the id of the table row that fired, and why (row and tag reasons)."""

    level: RiskLevel
    row: str
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The policy's own shape: ``{"level", "row", "reasons"}``."""
        return {"level": self.level.value, "row": self.row, "reasons": list(self.reasons)}
