"""JSON with comments and trailing commas (VS Code settings, tsconfig), via the json5 library."""

from __future__ import annotations

import re
from typing import Any

import json5

from sentinel.parsers._common import fail, jsonable, line_in, strip_bom


class JsoncParser:
    """conftest's ``jsonc`` parser: JSON plus ``//`` and ``/* */`` comments and trailing commas.

    json5 accepts the rest of JSON5 too (single quotes, unquoted keys), a superset of JSONC.
    """

    name = "jsonc"
    extensions: tuple[str, ...] = ("jsonc",)

    def parse(self, text: str, filename: str) -> Any:
        try:
            value = json5.loads(strip_bom(text))
            return jsonable(value)
        except ValueError as exc:
            message = re.sub(r"^<string>:\d+ ", "", str(exc))
            raise fail(filename, f"invalid JSONC: {message}", line_in(str(exc), r"^<string>:(\d+)")) from None
