"""``.env`` files via python-dotenv, strict like conftest's (gotenv StrictParse)."""

from __future__ import annotations

import io
from typing import Any

from dotenv import dotenv_values
from dotenv.parser import parse_stream

from sentinel.parsers._common import fail, strip_bom


class DotenvParser:
    """``{NAME: "value"}``: quotes removed, ``export`` accepted, ``${VAR}`` expanded from earlier
    entries and the environment, as gotenv does. A line that is not ``NAME=value``, a comment
    or blank is an error (python-dotenv alone would skip it silently).
    """

    name = "dotenv"
    extensions: tuple[str, ...] = ("dotenv", "env")

    def parse(self, text: str, filename: str) -> Any:
        text = strip_bom(text)
        for binding in parse_stream(io.StringIO(text)):
            if binding.error or (binding.key is not None and binding.value is None):
                statement = binding.original.string.strip()
                raise fail(filename, f"invalid dotenv line {statement!r}: expected NAME=value",
                           binding.original.line)
        return dict(dotenv_values(stream=io.StringIO(text), interpolate=True))
