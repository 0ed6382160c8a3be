"""The decision request and response (pydantic v2): what crosses the service boundary.

Requests are hostile input: unknown fields are rejected, types are strict (``1`` is not the string
``"1"``), strings and the ``context`` document are size-limited, and ``context`` holds only I-JSON
(RFC 7493) values, so every request has one RFC 8785 canonical form to hash.
"""

from __future__ import annotations

import math
from json.encoder import encode_basestring
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
        context_json_size(value)
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


def context_json_size(value: dict[str, Any]) -> int:
    """Check that ``value`` holds I-JSON within the limits and return its size: the UTF-8 length of
    ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))``, computed in the same pass as the
    checks instead of serializing (the walk stops as soon as the size passes the limit)."""
    return _json_size(value, 1, MAX_CONTEXT_BYTES)


def _json_size(value: Any, depth: int, budget: int) -> int:
    """JSON values only: string keys, no NaN/Infinity, integers within +-(2^53 - 1), bounded depth
    and size. Each scalar is measured as ``json.dumps`` writes it (``float.__repr__``, ``int.__repr__``,
    its string encoder)."""
    if depth > MAX_CONTEXT_DEPTH:
        raise ValueError(f"context nests deeper than {MAX_CONTEXT_DEPTH} levels")
    if isinstance(value, str):
        return _string_size(value)
    if value is None or value is True:
        return 4
    if value is False:
        return 5
    if isinstance(value, dict):
        size = 1 + max(len(value), 1)  # braces and commas
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError("context object keys must be strings")
            size += _string_size(key) + 1 + _json_size(item, depth + 1, budget - size)
            if size > budget:
                raise _too_large()
        return size
    if isinstance(value, list):
        size = 1 + max(len(value), 1)  # brackets and commas
        for item in value:
            size += _json_size(item, depth + 1, budget - size)
            if size > budget:
                raise _too_large()
        return size
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise ValueError("context integers must lie within +-(2^53 - 1); send larger ones as strings")
        return len(int.__repr__(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("context numbers must be finite")
        return len(float.__repr__(value))
    raise ValueError(f"context holds a {type(value).__name__}, which is not a JSON value")


def _string_size(text: str) -> int:
    quoted = encode_basestring(text)  # json.dumps's own string encoder (ensure_ascii=False)
    if text.isascii():
        return len(quoted)
    try:
        return len(quoted.encode("utf-8"))
    except UnicodeEncodeError:
        raise ValueError("context strings must be valid Unicode (no lone surrogates)") from None


def _too_large() -> ValueError:
    return ValueError(f"context JSON is too large; the limit is {MAX_CONTEXT_BYTES} bytes")


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
