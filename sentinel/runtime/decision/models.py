"""The decision request and response (pydantic v2): what crosses the service boundary.

Requests are hostile input: unknown fields are rejected, types are strict (``1`` is not the string
``"1"``), strings and the ``context`` document are size-limited, and ``context`` holds only I-JSON
(RFC 7493) values, so every request has one RFC 8785 canonical form to hash.
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_WEIGHT = 10_000  # basis points: 10,000 = 100 %
TENANT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
MAX_SUBJECT = 1024
MAX_ACTION = 256
MAX_RESOURCE = 4096
MAX_CONTEXT_BYTES = 64 * 1024
MAX_CONTEXT_DEPTH = 32
MAX_SAFE_INTEGER = 2**53 - 1  # I-JSON: integers a double holds exactly (RFC 8785 hashes doubles)

Weight = Annotated[int, Field(ge=0, le=MAX_WEIGHT, strict=True)]


class Reason(BaseModel):
    """Why a request was denied (or warned about): the rule, its message, its weight in basis points."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str
    message: str
    weight: Weight


class DecisionRequest(BaseModel):
    """Who (``subject``) wants to do what (``action``) to what (``resource``) in which ``tenant``."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    tenant: Annotated[str, Field(pattern=TENANT_PATTERN)]
    subject: Annotated[str, Field(min_length=1, max_length=MAX_SUBJECT)]
    action: Annotated[str, Field(min_length=1, max_length=MAX_ACTION)]
    resource: Annotated[str, Field(max_length=MAX_RESOURCE)]
    context: dict[str, Any] = Field(default_factory=dict)
    # When true, decision_id = sha256 over the canonical request and the policy revision.
    idempotency: bool = False

    @field_validator("context")
    @classmethod
    def _bounded_ijson(cls, value: dict[str, Any]) -> dict[str, Any]:
        _check_ijson(value, 1)
        size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        if size > MAX_CONTEXT_BYTES:
            raise ValueError(f"context is {size} bytes of JSON; the limit is {MAX_CONTEXT_BYTES}")
        return value

    def policy_input(self) -> dict[str, Any]:
        """The document policies see as ``input`` (the request without its transport options)."""
        return {
            "tenant": self.tenant,
            "subject": self.subject,
            "action": self.action,
            "resource": self.resource,
            "context": self.context,
        }


def _check_ijson(value: Any, depth: int) -> None:
    """JSON values only: string keys, no NaN/Infinity, integers within +-(2^53 - 1), bounded depth."""
    if depth > MAX_CONTEXT_DEPTH:
        raise ValueError(f"context nests deeper than {MAX_CONTEXT_DEPTH} levels")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError("context object keys must be strings")
            _check_ijson(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_ijson(item, depth + 1)
    elif isinstance(value, bool) or value is None or isinstance(value, str):
        return
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise ValueError("context integers must lie within +-(2^53 - 1); send larger ones as strings")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("context numbers must be finite")
    else:
        raise ValueError(f"context holds a {type(value).__name__}, which is not a JSON value")


class Decision(BaseModel):
    """The answer. Apart from ``decision_id`` and ``evaluated_at``, the same request under the same
    policy revision always serializes to the same bytes (``model_dump_json``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    decision: Literal["allow", "deny"]
    score: Weight
    reasons: list[Reason]
    warnings: list[Reason]
    risk_level: str | None = None
    risk_row: str | None = None
    policy_revision: str
    constitution_hash: str
    decision_id: str
    evaluated_at: str  # RFC 3339, UTC, microseconds: 2026-12-07T17:30:00.123456Z
