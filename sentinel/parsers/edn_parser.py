"""EDN (Clojure's data notation) via edn_format, with conftest's conversion to JSON values.

Tagged literals other than ``#inst`` and ``#uuid`` (``#duration "5m"``, ``#app/secret x``) keep
their value with the tag dropped, as the YAML parser treats unknown tags: edn_format refuses a
tag without a handler, so each tag name in the text gets a pass-through handler for the parse.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import edn_format
from edn_format.edn_lex import TAG

from sentinel.parsers._common import clip, fail, strip_bom

_TAG = re.compile(TAG)
_BUILT_IN_TAGS = {"inst", "uuid"}


def _untagged(value: Any) -> Any:
    return value


@contextmanager
def _pass_through_tags(text: str) -> Iterator[None]:
    """Handlers for the tag names ``text`` may use (a name inside a string is harmless), removed
    afterwards so edn_format's registry does not grow with every file."""
    names = {found.group(0)[1:] for found in _TAG.finditer(text)} - _BUILT_IN_TAGS
    for name in names:
        edn_format.add_tag(name, _untagged)
    try:
        yield
    finally:
        for name in names:
            edn_format.remove_tag(name)


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


def _scalar(value: Any) -> str | None:
    """conftest prints every non-string scalar with Go's ``%v``: ``:kw``, ``5432``, ``true``."""
    if value is None:
        return None
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    return str(value)


def _convert(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {_scalar(k) or "null": _convert(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        items = [_convert(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return [_convert(v) for v in value]
    return _scalar(value)


class EdnParser:
    """EDN as conftest gives it: map keys and every scalar become strings (keywords ``":name"``,
    numbers ``"5432"``, booleans ``"true"``), vectors and lists become arrays. Where conftest's
    output is a Go artefact, this keeps JSON meaning: ``nil`` is null and sets are sorted arrays.
    A file with several top-level values gives a list of documents.
    """

    name = "edn"
    extensions: tuple[str, ...] = ("edn",)

    def parse(self, text: str, filename: str) -> Any:
        text = strip_bom(text)
        try:
            with _pass_through_tags(text):
                values = edn_format.loads_all(text)
        except (edn_format.EDNDecodeError, ValueError, TypeError, NotImplementedError) as exc:
            # edn_format's messages print the offending token, which can be any length of input.
            detail = str(exc).splitlines()[0] if str(exc) else "syntax error"
            raise fail(filename, f"invalid EDN: {clip(detail, 60)}") from None
        documents = [_convert(v) for v in values]
        if not documents:
            return None
        return documents[0] if len(documents) == 1 else documents
