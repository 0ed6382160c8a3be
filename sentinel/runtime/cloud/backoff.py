"""Reconnection delays: 1, 2, 4, 8, 16, 32, 60, 60... seconds, each with +-20% jitter.

Jitter spreads a fleet's reconnections after a server restart so they do not arrive together. The
random source is injected so a test can check the bounds, and the retry cap makes the sequence finite.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

BASE_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
MAX_DELAY = 60.0
JITTER = 0.2


@dataclass(frozen=True)
class Backoff:
    """``max_retries`` ``None`` retries for ever; ``0`` never retries."""

    max_retries: int | None = None
    jitter: float = JITTER
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_retries is not None and self.max_retries < 0:
            raise ValueError("max_retries must be at least 0")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be in [0, 1)")

    @staticmethod
    def base_delay(attempt: int) -> float:
        """The delay before retry ``attempt`` (0-based) without jitter."""
        return BASE_DELAYS[attempt] if attempt < len(BASE_DELAYS) else MAX_DELAY

    def delays(self) -> Iterator[float]:
        """The jittered delays, one per retry, until the cap."""
        attempt = 0
        while self.max_retries is None or attempt < self.max_retries:
            base = self.base_delay(attempt)
            yield base * (1 + self.rng.uniform(-self.jitter, self.jitter))
            attempt += 1
