"""Deny and warn values -> reasons and a score, in integer basis points (0..10,000), never floats.

A policy's ``deny`` is a set of reasons, conftest-style: a string (weight 0), or an object with a
string ``message`` (or conftest's ``msg``), an optional string ``rule`` and an optional integer
``weight``. Each weight is clamped to 0..10,000 and so is their sum, the score.

A weight that is not an integer (``0.5``, ``300.0``, ``"300"``, ``true``) makes the whole value
malformed: regorus computes ``0.6 + 0.3`` as ``0.8999999999999999`` where OPA gives ``0.9``, so a
float weight would make the score depend on the engine. A malformed value is an evaluation
error: the decision is deny with the maximum score, never a silently dropped reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sentinel.runtime.decision.models import MAX_WEIGHT, Reason

MAX_REASONS = 256
# regorus's RVM puts this string in a set for an element that is undefined (the interpreter and OPA
# add nothing): tests/runtime/decision/test_rvm_gaps.py. Fail closed on it.
UNDEFINED_ELEMENT = "<undefined>"
MAX_TEXT = 2000


class MalformedReasons(ValueError):
    """A deny/warn value that is not a collection of strings and reason objects."""


def clamp(weight: int) -> int:
    return max(0, min(MAX_WEIGHT, weight))


def reasons_from(value: Any, default_rule: str) -> list[Reason]:
    """The reasons in a deny/warn value (a set arrives as a JSON array), sorted and deduplicated so
    the same value always gives the same list. ``default_rule`` names reasons that name no rule."""
    return [
        Reason(rule=rule, message=message, weight=weight)
        for rule, message, weight in triples(value, default_rule)
    ]


def triples(value: Any, default_rule: str) -> list[tuple[str, str, int]]:
    """``reasons_from`` as sorted (rule, message, weight) triples: the decider's hot path hands them
    to pydantic in one validation with the decision instead of one model per reason."""
    if not isinstance(value, list):
        raise MalformedReasons(f"{default_rule} is a {_kind(value)}, not a set of reasons")
    if len(value) > MAX_REASONS:
        raise MalformedReasons(f"{default_rule} holds {len(value)} reasons; the limit is {MAX_REASONS}")
    return sorted({_reason(item, default_rule) for item in value})


def score(reasons: Iterable[Reason]) -> int:
    return clamp(sum(r.weight for r in reasons))


def score_of(weights: Iterable[int]) -> int:
    return clamp(sum(weights))


def _reason(item: Any, default_rule: str) -> tuple[str, str, int]:
    if item == UNDEFINED_ELEMENT:
        raise MalformedReasons(f"{default_rule} holds an undefined value (the compiled program's marker)")
    if isinstance(item, str):
        return (default_rule, item[:MAX_TEXT], 0)
    if not isinstance(item, dict):
        raise MalformedReasons(f"{default_rule} holds a {_kind(item)}; a reason is a string or an object")
    message = item.get("message", item.get("msg"))
    if not isinstance(message, str):
        raise MalformedReasons(f'{default_rule} holds an object without a string "message"')
    rule = item.get("rule", default_rule)
    if not isinstance(rule, str):
        raise MalformedReasons(f'{default_rule} holds a reason whose "rule" is a {_kind(rule)}, not a string')
    weight = item.get("weight", 0)
    if isinstance(weight, bool) or not isinstance(weight, int):
        raise MalformedReasons(
            f'{default_rule} holds a reason whose "weight" is a {_kind(weight)}; '
            "weights are integers in basis points (0..10000)"
        )
    return (rule[:MAX_TEXT], message[:MAX_TEXT], clamp(weight))


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    return {str: "string", dict: "object", list: "array", type(None): "null"}.get(type(value), "value")
