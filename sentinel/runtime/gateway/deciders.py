"""Where a gateway gets its decisions: the decider in process, or a decision service's ``/v1/evaluate``.

Both raise :class:`DecisionUnavailable` when no decision could be had (timeout, connection refused, a
non-200 answer, a body that is not a decision, a deny Sentinel gave itself because evaluation failed or
no pack is loaded): the gateway answers 503 and forwards nothing.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Protocol

from sentinel.runtime.decision.models import Decision, DecisionRequest

if TYPE_CHECKING:
    import httpx

# Rule ids Sentinel's own denies carry (no pack, evaluation error, time limit, not ready...): they mean
# "could not decide", which is a 503 at the gateway, not a policy's 403.
SENTINEL_RULE_PREFIX = "sentinel.runtime."
DEFAULT_TIMEOUT_S = 0.25
MAX_DECISION_BYTES = 256 * 1024


class DecisionUnavailable(Exception):
    """No decision could be made; ``reason`` is a stable code, the message is safe to log."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


class Evaluator(Protocol):
    """What the in-process decider needs (``sentinel.runtime.decision.Decider`` is one)."""

    def evaluate(self, request: DecisionRequest) -> Decision: ...


class GatewayDecider(Protocol):
    async def decide(self, request: DecisionRequest) -> Decision:
        """The decision; DecisionUnavailable when none could be made."""
        ...


def checked(decision: Decision) -> Decision:
    """``decision`` if it was really made by a policy under a known constitution, else DecisionUnavailable."""
    if any(reason.rule.startswith(SENTINEL_RULE_PREFIX) for reason in decision.reasons):
        rule = next(r.rule for r in decision.reasons if r.rule.startswith(SENTINEL_RULE_PREFIX))
        raise DecisionUnavailable("evaluation_failed", f"the decision could not be made ({rule})")
    if not decision.constitution_hash:
        raise DecisionUnavailable("no_constitution", "no verified constitution is loaded")
    return decision


class LocalDecider:
    """The decider in this process. Evaluation runs on the event loop (regorus holds the GIL for the whole
    evaluation, so a thread would not help); a decision that took longer than ``timeout_s`` is dropped."""

    def __init__(self, decider: Evaluator, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self._decider = decider
        self._timeout_s = timeout_s

    async def decide(self, request: DecisionRequest) -> Decision:
        started = time.perf_counter()
        try:
            decision = self._decider.evaluate(request)
        except Exception as exc:  # the decider never raises; if it does, nothing is allowed
            raise DecisionUnavailable("evaluation_failed", type(exc).__name__) from None
        if time.perf_counter() - started > self._timeout_s:
            raise DecisionUnavailable("timeout", f"the decision took longer than {self._timeout_s} s")
        return checked(decision)


class RemoteDecider:
    """A decision service's ``POST /v1/evaluate`` over httpx, bounded by ``timeout_s`` in total."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        client: httpx.AsyncClient | None = None,
        max_bytes: int = MAX_DECISION_BYTES,
    ) -> None:
        import httpx

        self._url = base_url.rstrip("/") + "/v1/evaluate"
        self._timeout_s = timeout_s
        self._max_bytes = max_bytes
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s), limits=httpx.Limits(max_keepalive_connections=32)
        )

    async def decide(self, request: DecisionRequest) -> Decision:
        import httpx
        from pydantic import ValidationError

        body = request.model_dump_json().encode()
        try:
            async with asyncio.timeout(self._timeout_s):
                async with self._client.stream(
                    "POST", self._url, content=body, headers={"content-type": "application/json"}
                ) as response:
                    if response.status_code != 200:
                        raise DecisionUnavailable(
                            "service_error", f"the decision service answered {response.status_code}"
                        )
                    chunks: list[bytes] = []
                    size = 0
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > self._max_bytes:
                            raise DecisionUnavailable("bad_answer", "the decision is too large")
                        chunks.append(chunk)
        except TimeoutError:
            raise DecisionUnavailable("timeout", f"no decision within {self._timeout_s} s") from None
        except httpx.HTTPError as exc:
            raise DecisionUnavailable("unreachable", f"the decision service: {type(exc).__name__}") from None
        try:
            decision = Decision.model_validate_json(b"".join(chunks))
        except ValidationError:
            raise DecisionUnavailable("bad_answer", "the answer is not a decision") from None
        return checked(decision)

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()
