"""EDN (Clojure's data notation) via edn_format, with conftest's conversion to JSON values."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Iterable, Mapping
from typing import Any

import edn_format

from sentinel.parsers._common import fail, strip_bom


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
        try:
            values = edn_format.loads_all(strip_bom(text))
        except (edn_format.EDNDecodeError, ValueError, TypeError) as exc:
            detail = str(exc).splitlines()[0] if str(exc) else "syntax error"
            raise fail(filename, f"invalid EDN: {detail}") from None
        documents = [_convert(v) for v in values]
        if not documents:
            return None
        return documents[0] if len(documents) == 1 else documents
