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

_MAX_MESSAGE = 300


def fail(filename: str, message: str, line: int | None = None) -> ParseError:
    """The error every parser raises: names the file and, when known, the 1-based line.

    Library messages are kept to one short line (control characters escaped), since the CLI
    prints every error as one line.
    """
    message = message.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 3] + "..."
    return ParseError(message, file=filename, line=line if line and line > 0 else None)


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
