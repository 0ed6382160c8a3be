"""Helpers the format parsers share: JSON-compatible conversion and locating library errors."""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from sentinel.errors import ParseError

_MAX_MESSAGE = 200
# The most input text an error message may quote: inputs can hold secrets, and CI logs are public.
MAX_EXCERPT = 40
# A quote opens after a non-word character, so the apostrophe in "couldn't" starts nothing.
_LONG = MAX_EXCERPT + 1
_QUOTED = re.compile(rf"(?<!\w)(?:'[^'\n]{{{_LONG},}}'|\"[^\"\n]{{{_LONG},}}\")")


def clip(text: str, limit: int = MAX_EXCERPT) -> str:
    """``text`` cut to ``limit`` characters (``...`` marks the cut)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _clip_quoted(found: re.Match[str]) -> str:
    quote = found.group(0)[0]
    return quote + clip(found.group(0)[1:-1]) + quote


def fail(filename: str, message: str, line: int | None = None) -> ParseError:
    """The error every parser raises: names the file and, when known, the 1-based line.

    Library messages are kept to one short line (control characters escaped), since the CLI
    prints every error as one line, and any quoted input they carry is cut to
    :data:`MAX_EXCERPT` characters. Parsers whose library echoes input unquoted clip it first.
    """
    message = message.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    message = _QUOTED.sub(_clip_quoted, message)
    return ParseError(clip(message, _MAX_MESSAGE), file=filename, line=line if line and line > 0 else None)


def line_in(message: str, pattern: str) -> int | None:
    """The first line number ``pattern`` (one group) finds in a library's error message."""
    found = re.search(pattern, message)
    return int(found.group(1)) if found else None


def strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def go_key(key: Any) -> str:
    """Map keys as conftest's Go parsers print non-string keys (true, 1, 1.5, null)."""
    if isinstance(key, str):
        return key
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _time(value: dt.datetime | dt.time) -> str:
    text = value.isoformat()
    # Go's RFC 3339 output writes a zero UTC offset as Z.
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def jsonable(value: Any) -> Any:
    """Turn a library's Python value into plain JSON values, as conftest's Go parsers produce.

    Dates and times become ISO 8601 strings, bytes base64, sets sorted lists, non-string keys
    strings. NaN and infinities have no JSON form and raise ValueError.
    """
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        raise ValueError(f"the number {value} cannot be represented in JSON")
    if isinstance(value, Mapping):
        return {go_key(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, dt.datetime | dt.time):
        return _time(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)
