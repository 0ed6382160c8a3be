"""Masking rules for decision logs, as OPA's ``data.system.log.mask`` returns them.

A rule is either a JSON pointer string (``/input/password``: erase the value) or an object
``{"op": "upsert", "path": "/input/ssn", "value": "**REDACTED**"}`` (replace or add the value), or
``{"op": "remove", "path": ...}`` (same as the plain string). As in OPA, only pointers under ``/input``
and ``/result`` are accepted, a rule whose target does not exist is a no-op and is not listed, and
applied rules are listed in the record's ``erased`` and ``masked`` fields.

Hand-written rather than the ``jsonpointer`` package: masking must copy along the path instead of
mutating the caller's input (the request handler still holds it), and it is twenty lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sentinel.errors import UsageError

_ROOTS = ("input", "result")


@dataclass(frozen=True)
class MaskRule:
    """One rule: ``op`` on the value at ``pointer`` (``value`` is the replacement for ``upsert``)."""

    op: Literal["remove", "upsert"]
    pointer: str
    tokens: tuple[str, ...]
    value: Any = None


def parse_pointer(pointer: str) -> tuple[str, ...]:
    """RFC 6901 reference tokens of ``pointer``; it must start under ``/input`` or ``/result``."""
    if not pointer.startswith("/"):
        raise UsageError(f"mask rule {pointer!r}: a JSON pointer starts with '/'")
    tokens = tuple(t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/"))
    if tokens[0] not in _ROOTS:
        raise UsageError(f"mask rule {pointer!r}: only pointers under /input and /result can be masked")
    return tokens


def parse_rule(rule: str | Mapping[str, Any]) -> MaskRule:
    """A rule from its OPA form: a pointer string, or an object with ``op``, ``path`` and ``value``."""
    if isinstance(rule, str):
        return MaskRule("remove", rule, parse_pointer(rule))
    op = rule.get("op", "remove")
    path = rule.get("path")
    if op not in ("remove", "upsert") or not isinstance(path, str):
        raise UsageError(f"mask rule {json.dumps(rule)[:200]}: needs a string 'path' and op remove or upsert")
    if op == "upsert" and "value" not in rule:
        raise UsageError(f"mask rule for {path!r}: op upsert needs a 'value'")
    return MaskRule(op, path, parse_pointer(path), rule.get("value"))


def parse_cli_rule(text: str) -> MaskRule:
    """``--decision-log-mask`` text: a pointer, or the JSON object form."""
    if text.lstrip().startswith("{"):
        try:
            obj = json.loads(text)
        except ValueError as exc:
            raise UsageError(f"--decision-log-mask: not valid JSON: {exc}") from None
        if not isinstance(obj, dict):
            raise UsageError("--decision-log-mask: a rule is a JSON pointer or a JSON object")
        return parse_rule(obj)
    return parse_rule(text)


def _apply(node: Any, tokens: Sequence[str], rule: MaskRule) -> tuple[Any, bool]:
    """``node`` with the rule applied at ``tokens``, copied along the path; and whether it applied."""
    if not isinstance(node, dict):
        return node, False  # arrays and scalars are not traversed, as in OPA
    key = tokens[0]
    if len(tokens) == 1:
        if rule.op == "remove":
            if key not in node:
                return node, False
            return {k: v for k, v in node.items() if k != key}, True
        return {**node, key: rule.value}, True
    if key not in node:
        return node, False
    child, applied = _apply(node[key], tokens[1:], rule)
    return ({**node, key: child}, True) if applied else (node, False)


def apply_rules(record: dict[str, Any], rules: Iterable[MaskRule]) -> dict[str, Any]:
    """A copy of ``record`` with ``rules`` applied and ``erased``/``masked`` listing the applied ones.

    ``record`` itself and the values it holds are never mutated.
    """
    out = dict(record)
    erased: list[str] = []
    masked: list[str] = []
    for rule in rules:
        root = rule.tokens[0]
        if root not in out:
            continue
        if len(rule.tokens) == 1:
            if rule.op == "remove":
                del out[root]
            else:
                out[root] = rule.value
            applied = True
        else:
            out[root], applied = _apply(out[root], rule.tokens[1:], rule)
        if applied:
            (erased if rule.op == "remove" else masked).append(rule.pointer)
    if erased:
        out["erased"] = erased
    if masked:
        out["masked"] = masked
    return out
