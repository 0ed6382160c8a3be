"""INI files with the standard library's configparser, shaped like conftest's ``ini`` parser."""

from __future__ import annotations

import configparser
import re
from typing import Any

from sentinel.parsers._common import fail, strip_bom

# Keys before the first section header land here; conftest (go-ini) drops them with DEFAULT.
_LEADING = "\x00leading"
_DROPPED = {"DEFAULT", _LEADING}
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_BOOLEANS = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
             "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}
_QUOTED = re.compile(r'^(?:"(.*)"|`(.*)`)$', re.S)


def _typed(raw: str) -> Any:
    """conftest converts values that Go parses as numbers or booleans; the rest stay strings."""
    quoted = _QUOTED.match(raw)
    if quoted:
        return quoted.group(1) if quoted.group(1) is not None else quoted.group(2)
    if _NUMBER.fullmatch(raw):
        number = float(raw)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if raw in _BOOLEANS:
        return _BOOLEANS[raw]
    return raw


class IniParser:
    """``{section: {key: value}}``; keys keep their case, keys outside sections and ``[DEFAULT]`` are
    dropped, numeric and boolean values are converted (``10`` -> 10, ``true`` -> true), no
    ``%(name)s`` interpolation. Duplicate keys: the last wins.
    """

    name = "ini"
    extensions: tuple[str, ...] = ("ini",)

    def parse(self, text: str, filename: str) -> Any:
        config = configparser.ConfigParser(
            interpolation=None,
            strict=False,
            default_section="\x00no-default",
            comment_prefixes=("#", ";"),
            inline_comment_prefixes=("#", ";"),
        )
        config.optionxform = str  # type: ignore[assignment,method-assign]
        try:
            config.read_string(f"[{_LEADING}]\n" + strip_bom(text), source=filename)
        except configparser.ParsingError as exc:
            line = exc.errors[0][0] - 1 if exc.errors else None
            raise fail(filename, "invalid INI: expected [section] or key = value", line) from None
        except configparser.Error as exc:
            line = getattr(exc, "lineno", None)
            message = getattr(exc, "message", str(exc)).splitlines()[0]
            raise fail(filename, f"invalid INI: {message}", line - 1 if line else None) from None
        return {
            section: {key: _typed(value) for key, value in config.items(section, raw=True)}
            for section in config.sections()
            if section not in _DROPPED
        }
