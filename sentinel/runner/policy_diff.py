"""Structural diff of two policy files (Rego) or two data files (JSON, YAML, any conftest parser).

Rego is compared rule by rule on the parser's syntax tree with positions dropped, so reformatting,
comments and moving rules around are no change, while a changed condition is. Data files are compared
as parsed values, reported as JSON pointers (RFC 6901). Both sides are read as untrusted files (size
limits, regular files only, the parsers' own limits).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regorus

from sentinel.errors import PolicyError, UsageError
from sentinel.parsers import DEFAULT_MAX_BYTES, parse_file, read_regular_file

# Syntax-tree keys that say where (positions, parse-order indexes), not what: dropped before comparing.
_POSITION_KEYS = frozenset({"span", "eidx", "sidx", "qidx", "source"})


@dataclass(frozen=True)
class Change:
    """``op`` is ``+`` (only in B), ``-`` (only in A) or ``~`` (in both, different)."""

    op: str
    where: str
    detail: str = ""

    def line(self) -> str:
        return f"{self.op} {self.where}" + (f": {self.detail}" if self.detail else "")


_SPAN = frozenset({"line", "col", "start", "end"})


def _strip(node: Any) -> Any:
    """The tree without positions: position keys, and the bare span objects some nodes hold in lists."""
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items() if k not in _POSITION_KEYS}
    if isinstance(node, list):
        return [_strip(v) for v in node if not (isinstance(v, dict) and set(v) == _SPAN)]
    return node


def _rule_label(rule: Any, encoded: bytes) -> str:
    """The rule's head as written (``deny contains msg``, ``allow``, ``f(x)``), whitespace collapsed:
    the text from the rule's start to its first body, without the ``if``/``{`` that opens the body."""
    body = next(iter(rule.values())) if isinstance(rule, dict) and len(rule) == 1 else rule
    span = body.get("span") if isinstance(body, dict) else None
    if not isinstance(span, dict):
        return "rule"
    end = span.get("end", 0)
    bodies = body.get("bodies") or []
    if bodies and isinstance(bodies[0], dict) and isinstance(bodies[0].get("span"), dict):
        end = bodies[0]["span"].get("start", end)
    text = " ".join(encoded[span.get("start", 0):end].decode("utf-8", "replace").split())
    for suffix in (" {", " if"):
        text = text.removesuffix(suffix)
    return text or "rule"


def _rego_rules(path: str) -> dict[str, list[Any]]:
    """Rule head text -> the rule definitions with that head (in order), positions dropped; plus the
    package and imports under the keys ``package`` and ``import ...``."""
    text = read_regular_file(path, DEFAULT_MAX_BYTES).decode("utf-8", errors="strict")
    engine = regorus.Engine()
    try:
        engine.add_policy(path, text)
        modules = json.loads(engine.get_ast_as_json())
    except (RuntimeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "invalid Rego"
        raise PolicyError(f"cannot parse: {first[:300]}", file=path) from None
    ast = modules[0]["ast"]
    encoded = text.encode("utf-8")
    rules: dict[str, list[Any]] = {"package": [_strip(ast.get("package"))]}
    for imp in ast.get("imports") or []:
        span = imp.get("span") or {}
        key = encoded[span.get("start", 0):span.get("end", 0)].decode("utf-8", "replace").strip() or "import"
        rules.setdefault(key, []).append(_strip(imp))
    for rule in ast.get("rules") or []:
        rules.setdefault(_rule_label(rule, encoded), []).append(_strip(rule))
    return rules


def _pointer(parts: tuple[str, ...]) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts) or "/"


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _diff_values(a: Any, b: Any, at: tuple[str, ...], out: list[Change]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            here = (*at, str(key))
            if key not in b:
                out.append(Change("-", _pointer(here), _short(a[key])))
            elif key not in a:
                out.append(Change("+", _pointer(here), _short(b[key])))
            else:
                _diff_values(a[key], b[key], here, out)
        return
    if isinstance(a, list) and isinstance(b, list):
        for index in range(max(len(a), len(b))):
            here = (*at, str(index))
            if index >= len(b):
                out.append(Change("-", _pointer(here), _short(a[index])))
            elif index >= len(a):
                out.append(Change("+", _pointer(here), _short(b[index])))
            else:
                _diff_values(a[index], b[index], here, out)
        return
    # 1 and 1.0 are the same number to Rego; True and 1 are not the same value.
    if (type(a) is not type(b) and not (_number(a) and _number(b))) or a != b:
        out.append(Change("~", _pointer(at), f"{_short(a)} -> {_short(b)}"))


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def diff_files(a: str, b: str) -> list[Change]:
    """The structural changes from file ``a`` to file ``b`` (both Rego, or both data)."""
    rego = [p.endswith(".rego") for p in (a, b)]
    if rego[0] != rego[1]:
        raise UsageError("policy diff compares two Rego files or two data files, not one of each")
    if rego[0]:
        left, right = _rego_rules(a), _rego_rules(b)
        changes: list[Change] = []
        for key in sorted(set(left) | set(right)):
            if key not in right:
                changes.append(Change("-", key))
            elif key not in left:
                changes.append(Change("+", key))
            elif left[key] != right[key]:
                changes.append(Change("~", key, "definition changed"))
        return changes
    for path in (a, b):
        if not Path(path).is_file():
            raise UsageError(f"{path}: no such file")
    out: list[Change] = []
    _diff_values(parse_file(a), parse_file(b), (), out)
    return out
