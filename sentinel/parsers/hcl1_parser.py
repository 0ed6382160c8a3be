"""HCL1 (Terraform before 0.12, older Nomad/Consul files) via pyhcl, in conftest's shape.

conftest decodes HCL1 with hashicorp/hcl v1 into ``interface{}``, which wraps every object that
is not directly inside a list in a list of maps, one entry per block: ``tags { a = 1 }`` gives
``"tags": [{"a": 1}]``, two ``tags`` blocks give two entries, and ``resource "aws_s3_bucket" "b"
{...}`` gives ``"resource": [{"aws_s3_bucket": [{"b": [{...}]}]}]``; a repeated plain key keeps
its last value; heredocs keep their final newline.

pyhcl merges blocks into nested dictionaries, losing that structure, so its parser is subclassed
to hand over each object's items in source order, and the tree is built here by those rules.
``--parser hcl1`` only: ``.hcl`` and ``.tf`` files are HCL2, as in conftest.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any

from hcl.lexer import Lexer
from hcl.parser import HclParser

from sentinel.parsers._common import fail, jsonable, strip_bom

MAX_DEPTH = 64
_LOCK = threading.Lock()
_LINE = re.compile(r"Line (\d+)")


class _Items(list[Any]):
    """The ``(key, value)`` items of one object, in source order, duplicates kept."""


class _Lexer(Lexer):
    """pyhcl's lexer, keeping the newline that ends a heredoc's last line, as hashicorp/hcl does."""

    def _end_heredoc(self, t: Any) -> Any:
        own_line = (t.value.strip() if t.lexer.is_tabbed else t.value) == t.lexer.here_identifier
        token = super()._end_heredoc(t)
        if token is not None and own_line:
            token.value += "\n"
        return token


class _Parser(HclParser):
    """pyhcl's grammar with objects left as :class:`_Items` instead of merged dictionaries."""

    def objectlist_flat(self, lt: list[tuple[Any, Any]], replace: bool) -> _Items:
        return _Items(lt)

    def parse(self, s: str, export_comments: str | None = None) -> Any:
        return self.yacc.parse(s, lexer=_Lexer(export_comments=export_comments))


@functools.cache
def _parser() -> _Parser:
    return _Parser()


def _key(key: Any) -> str:
    return " ".join(map(str, key)) if isinstance(key, tuple) else str(key)


def _is_object(value: Any) -> bool:
    return isinstance(value, _Items | dict)


def _entry(value: Any, depth: int) -> dict[str, Any]:
    """One block or object as an entry of its key's list: labels nest as single-key maps."""
    if isinstance(value, dict) and value:
        (label, inner), = value.items()
        return {_key(label): [_entry(inner, depth + 1)]}
    return _object(value if isinstance(value, _Items) else _Items(), depth + 1)


def _object(items: _Items, depth: int) -> dict[str, Any]:
    if depth > MAX_DEPTH:
        raise ValueError(f"objects nested more than {MAX_DEPTH} deep")
    out: dict[str, Any] = {}
    for raw_key, value in items:
        key = _key(raw_key)
        if _is_object(value):
            current = out.get(key)
            entry = _entry(value, depth)
            if isinstance(current, list) and current and all(isinstance(c, dict) for c in current):
                current.append(entry)
            else:
                out[key] = [entry]
        else:
            out[key] = _value(value, depth)
    return out


def _value(value: Any, depth: int) -> Any:
    if isinstance(value, list) and not isinstance(value, _Items):
        if depth > MAX_DEPTH:
            raise ValueError(f"lists nested more than {MAX_DEPTH} deep")
        # Directly inside a list, an object is a plain map.
        return [_object(v, depth + 1) if isinstance(v, _Items) else
                ({} if isinstance(v, dict) else _value(v, depth + 1)) for v in value]
    return value


class Hcl1Parser:
    """HCL1 in conftest's (hashicorp/hcl v1) shape (see the module docstring)."""

    name = "hcl1"
    extensions: tuple[str, ...] = ("hcl1",)

    def parse(self, text: str, filename: str) -> Any:
        try:
            with _LOCK:
                items = _parser().parse(strip_bom(text))
        except ValueError as exc:
            detail = str(exc).splitlines()[0] if str(exc) else "syntax error"
            # pyhcl lists every token the grammar expected; the position is what helps.
            detail = detail.split("; expected", 1)[0]
            found = _LINE.search(detail)
            line = int(found.group(1)) if found else text.rstrip("\n").count("\n") + 1
            raise fail(filename, f"invalid HCL1: {detail}", line) from None
        try:
            return jsonable(_object(items if isinstance(items, _Items) else _Items(), 0))
        except ValueError as exc:
            raise fail(filename, f"invalid HCL1: {exc}") from None
