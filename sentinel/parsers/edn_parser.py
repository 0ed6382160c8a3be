"""EDN (Clojure's data notation) via edn_format, with conftest's conversion to JSON values.

conftest (go-edn) keeps a tagged literal it has no handler for as ``edn.Tag`` and prints it with
Go's ``%v``: ``#duration "5m"`` becomes ``"#duration 5m"``, ``#uuid "…"`` ``"#uuid …"`` and
``#app/cfg {:a 1}`` ``"#app/cfg map[:a:1]"``. ``#inst`` is its one built-in tag: the RFC 3339
text becomes a Go ``time.Time`` printed as ``"1985-04-12 23:20:50.52 +0000 UTC"``.

edn_format hard-codes ``#inst`` and ``#uuid`` and refuses any other tag without a registered
handler, so every ``TAG`` token is renamed on its way from the lexer to the parser to a key of
its own whose handler records the real name (:class:`Tagged`). The handler registry is
edn_format's global, so parses hold a lock and remove their keys afterwards.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import edn_format
import ply.yacc
from edn_format import edn_lex, edn_parse
from edn_format.char import Char

from sentinel.parsers._common import excerpt, fail, strip_bom

# Where edn_format's lexer and parser errors point: a character offset, never a line (its lexer
# does not count lines), as ``lexpos 23`` or the last field of ``LexToken(TYPE,'x',1,23)``.
_POSITION = re.compile(r"lexpos (\d+)|LexToken\(.*,(\d+)\)")
# Go's time.RFC3339Nano as time.Parse accepts it.
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})"
)
_KEY_PREFIX = "sentinel.tag."
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Tagged:
    """A tagged literal conftest keeps as text: ``#<tag> <value as Go's %v prints it>``."""

    tag: str
    value: Any


def _go_time(text: Any) -> str:
    """An ``#inst`` as go-edn parses it (``time.Parse(time.RFC3339Nano, s)``) and Go's
    ``time.Time.String`` prints it; ValueError when Go would refuse it."""
    found = _RFC3339.fullmatch(text) if isinstance(text, str) else None
    if not found:
        raise ValueError(f"#inst {excerpt(str(text))} is not an RFC 3339 time")
    year, month, day, hour, minute, second = (int(found.group(i)) for i in range(1, 7))
    dt.datetime(year, month, day, hour, minute, second)  # range check, as Go's parser does
    fraction = (found.group(7) or "")[:9].rstrip("0")
    zone = found.group(8)
    if zone in ("Z", "+00:00", "-00:00"):
        offset = "+0000 UTC"
    else:
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            raise ValueError(f"#inst {excerpt(text)} has an invalid time zone offset")
        numeric = zone[0] + zone[1:3] + zone[4:6]
        # A fixed zone without a name: Go prints the offset where the zone name would be.
        offset = f"{numeric} {numeric}"
    clock = f"{hour:02d}:{minute:02d}:{second:02d}" + (f".{fraction}" if fraction else "")
    return f"{year:04d}-{month:02d}-{day:02d} {clock} {offset}"


def _tagged(tag: str, value: Any) -> Any:
    return _go_time(value) if tag == "inst" else Tagged(tag, value)


class _TagRenamingLexer:
    """edn_format's lexer, with each tag renamed to a key registered for this parse only."""

    def __init__(self) -> None:
        self._lexer = edn_lex.lex()
        self.keys: list[str] = []

    def input(self, text: str) -> None:
        self._lexer.input(text)

    def token(self) -> Any:
        token = self._lexer.token()
        if token is not None and token.type == "TAG":
            key = f"{_KEY_PREFIX}{len(self.keys)}"
            edn_format.add_tag(key, functools.partial(_tagged, token.value))
            self.keys.append(key)
            token.value = key
        return token


@functools.cache
def _parser() -> Any:
    return ply.yacc.yacc(module=edn_parse, debug=False, write_tables=False)


def _parse_all(text: str) -> list[Any]:
    lexer = _TagRenamingLexer()
    with _LOCK:
        try:
            return list(_parser().parse(text, lexer=lexer))
        finally:
            for key in lexer.keys:
                edn_format.remove_tag(key)


def _line(text: str, message: str) -> int | None:
    """The 1-based line of the offset an edn_format error names, if it names one inside ``text``."""
    found = _POSITION.search(message)
    if not found:
        return None
    offset = int(found.group(1) or found.group(2))
    return text.count("\n", 0, offset) + 1 if offset <= len(text) else None


def _go_float(value: float) -> str:
    """A float as Go's ``%v`` prints it: shortest digits, exponent form below 1e-4 and from 1e6."""
    if value == 0:
        return "-0" if str(value).startswith("-") else "0"
    sign = "-" if value < 0 else ""
    digits_tuple = decimal.Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(map(str, digits_tuple.digits))
    exponent = int(digits_tuple.exponent) + len(digits) - 1
    if exponent < -4 or exponent >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    return sign + format(decimal.Decimal(repr(abs(value))).normalize(), "f")


def _go(value: Any) -> str:
    """``value`` as Go's ``%v`` prints what go-edn decodes it to (maps with sorted keys, sets as
    ``map[x:true]``, lists as ``[a b]``, nil as ``<nil>``, a character as its code point)."""
    if value is None:
        return "<nil>"
    if isinstance(value, Tagged):
        return f"#{value.tag} {_go(value.value)}"
    if isinstance(value, Char):
        return str(ord(value))
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, Mapping):
        return _go_map((_go(k), _go(v)) for k, v in value.items())
    if isinstance(value, set | frozenset):
        return _go_map((_go(k), "true") for k in value)
    if isinstance(value, Iterable):
        return "[" + " ".join(_go(v) for v in value) + "]"
    return str(value)


def _go_map(pairs: Iterable[tuple[str, str]]) -> str:
    return "map[" + " ".join(f"{k}:{v}" for k, v in sorted(pairs)) + "]"


def _convert(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {"null" if k is None else _go(k): _convert(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        items = [_convert(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return [_convert(v) for v in value]
    return _go(value)


class EdnParser:
    """EDN as conftest gives it: map keys and every scalar become strings (keywords ``":name"``,
    numbers ``"5432"``, booleans ``"true"``, tagged literals ``"#tag value"``), vectors and lists
    become arrays. Where conftest's output is a Go artefact, this keeps JSON meaning: ``nil`` is
    null and sets are sorted arrays. A file with several top-level values gives a list of documents.
    """

    name = "edn"
    extensions: tuple[str, ...] = ("edn",)

    def parse(self, text: str, filename: str) -> Any:
        text = strip_bom(text)
        try:
            values = _parse_all(text)
        except (edn_format.EDNDecodeError, ValueError, TypeError, NotImplementedError) as exc:
            # edn_format's messages print the offending token, which can be any length of input.
            detail = str(exc).splitlines()[0] if str(exc) else "syntax error"
            raise fail(filename, f"invalid EDN: {excerpt(detail, 60)}", _line(text, detail)) from None
        documents = [_convert(v) for v in values]
        if not documents:
            return None
        return documents[0] if len(documents) == 1 else documents
