"""Java ``.properties`` files via jproperties."""

from __future__ import annotations

from typing import Any

import jproperties

from sentinel.parsers._common import fail, strip_bom


class PropertiesParser:
    """``{key: "value"}`` with the Java rules: ``=``, ``:`` or whitespace separators, ``\\``
    continuations, ``\\u00e9``-style escapes, ``#``/``!`` comments. Values stay unexpanded strings,
    as conftest's ``Map()`` returns them.
    """

    name = "properties"
    extensions: tuple[str, ...] = ("properties",)

    def parse(self, text: str, filename: str) -> Any:
        properties = jproperties.Properties()
        try:
            properties.load(strip_bom(text))
        except jproperties.ParseError as exc:
            raise fail(filename, f"invalid properties: {exc.message}", exc.line_number) from None
        return dict(properties.properties)
