"""The service's settings: limits and switches, passed in (never read from globals)."""

from __future__ import annotations

from dataclasses import dataclass

from sentinel.runtime.logs.logger import DEFAULT_MAX_BYTES, DEFAULT_QUEUE_SIZE
from sentinel.runtime.logs.mask import MaskRule

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_EVAL_TIMEOUT_MS = 1000
DEFAULT_EVAL_THREADS = 0  # evaluate on the event loop: see routes._run


@dataclass(frozen=True)
class ServiceSettings:
    """Limits and switches of one app.

    - ``max_body_bytes``: larger request bodies get 413.
    - ``eval_timeout_ms``: an evaluation still running then is answered as deny (``/v1/evaluate``)
      or 500 (``/v1/data``).
    - ``eval_threads``: 0 evaluates on the event loop (checked against the timeout when it
      returns); N uses a pool of N threads under ``asyncio.wait_for`` (for an engine that releases
      the GIL; regorus does not).
    - ``decision_package``: the path ``/v1/evaluate`` records in the decision log.
    - ``reload_on_sighup``: reload policies on SIGHUP (set by ``sentinel serve``; off when the app
      is mounted in someone else's process).
    - ``decision_log_mask``: OPA-style masking rules applied to every decision-log record.
    - ``decision_log_queue`` / ``decision_log_max_bytes``: records, and request-body bytes, held
      in the decision-log queue before new records are dropped (and counted).
    """

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    eval_timeout_ms: int = DEFAULT_EVAL_TIMEOUT_MS
    eval_threads: int = DEFAULT_EVAL_THREADS
    decision_package: str = "sentinel.decision"
    reload_on_sighup: bool = False
    decision_log_mask: tuple[MaskRule, ...] = ()
    decision_log_queue: int = DEFAULT_QUEUE_SIZE
    decision_log_max_bytes: int = DEFAULT_MAX_BYTES

    def __post_init__(self) -> None:
        if self.max_body_bytes < 1:
            raise ValueError("max_body_bytes must be positive")
        if self.eval_timeout_ms < 1:
            raise ValueError("eval_timeout_ms must be positive")
        if self.eval_threads < 0:
            raise ValueError("eval_threads must not be negative")
