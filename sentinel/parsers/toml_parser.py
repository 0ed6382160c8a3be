"""TOML with the standard library's tomllib."""

from __future__ import annotations

import re
import tomllib
from typing import Any

from sentinel.parsers._common import fail, jsonable, line_in, strip_bom


class TomlParser:
    """TOML 1.0; dates and times become ISO 8601 strings, as conftest's Go parser prints them."""

    name = "toml"
    extensions: tuple[str, ...] = ("toml",)

    def parse(self, text: str, filename: str) -> Any:
        try:
            return jsonable(tomllib.loads(strip_bom(text)))
        except tomllib.TOMLDecodeError as exc:
            message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)$", "", str(exc))
            raise fail(filename, f"invalid TOML: {message}", line_in(str(exc), r"at line (\d+)")) from None
