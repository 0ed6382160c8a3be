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
# What is quoted is masked first (see :func:`excerpt`); the cut keeps the rest of a message short.
MAX_EXCERPT = 40
# A quote opens after a non-word character, so the apostrophe in "couldn't" starts nothing.
_LONG = MAX_EXCERPT + 1
_QUOTED = re.compile(rf"(?<!\w)(?:'[^'\n]{{{_LONG},}}'|\"[^\"\n]{{{_LONG},}}\")")


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (``...`` marks the cut); only for text already masked."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def mask(text: str) -> str:
    """``text`` with every likely secret masked (``AKIA****``) by the secrets extractor's detectors.

    Imported on first use: the detectors load detect-secrets, which only a failing parse needs.
    """
    from sentinel.extractors.secrets.mask import mask_secrets

    return mask_secrets(text)


def excerpt(text: str, limit: int = MAX_EXCERPT) -> str:
    """Input text as an error message may quote it: secrets masked, then cut to ``limit`` characters.

    Masking comes first, since a cut secret is no longer recognised by the detectors.
    """
    from sentinel.extractors.secrets.mask import excerpt as masked_excerpt

    return masked_excerpt(text, limit)


def _cut_quoted(found: re.Match[str]) -> str:
    quote = found.group(0)[0]
    return quote + _cut(found.group(0)[1:-1], MAX_EXCERPT) + quote


def fail(filename: str, message: str, line: int | None = None) -> ParseError:
    """The error every parser raises: names the file and, when known, the 1-based line.

    Messages (ours and the libraries', which may echo input anywhere, quoted or not) pass through
    :func:`mask` whole, then are kept to one short line (control characters escaped), since the
    CLI prints every error as one line, with any quoted part cut to :data:`MAX_EXCERPT` characters.
    Parsers that cut input text themselves before calling this use :func:`excerpt`, which masks
    before it cuts.
    """
    message = mask(message)
    message = message.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    message = _QUOTED.sub(_cut_quoted, message)
    return ParseError(_cut(message, _MAX_MESSAGE), file=filename, line=line if line and line > 0 else None)


# A \u escape of a UTF-16 surrogate (JSON, JSONC, EDN): the only way a parsed value can hold one,
# since decoded UTF-8 text cannot.
SURROGATE_ESCAPE = re.compile(r"\\u\{?[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(value: Any) -> Any:
    """``value`` with every lone surrogate (``"\\udafb"`` without its pair) in strings and keys
    replaced by U+FFFD, as Go's encoding/json decodes it. A lone surrogate has no UTF-8 form, so
    no output format and not the engine could take the document."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {without_surrogates(k): without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_surrogates(v) for v in value]
    return value


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
