"""SPDX tag-value documents via the SPDX project's spdx-tools, as SPDX JSON."""

from __future__ import annotations

from typing import Any

from sentinel.parsers._common import fail, jsonable, line_in, strip_bom


class SpdxParser:
    """An SPDX 2.x tag-value document (``SPDXVersion: SPDX-2.3`` ...) as the SPDX JSON document
    (``spdxVersion``, ``packages``, ``relationships``, ...), the field names conftest's Go SPDX
    library also prints. SPDX documents already in JSON parse with ``--parser json``.
    """

    name = "spdx"
    extensions: tuple[str, ...] = ("spdx",)

    def parse(self, text: str, filename: str) -> Any:
        # Imported here: spdx-tools loads rdflib and builds its grammar, which only SPDX inputs need.
        from ply import yacc
        from spdx_tools.spdx.jsonschema.document_converter import DocumentConverter
        from spdx_tools.spdx.parser.error import SPDXParsingError
        from spdx_tools.spdx.parser.tagvalue.parser import Parser

        try:
            parser = Parser(errorlog=yacc.NullLogger(), debug=False, write_tables=False)
            document = parser.parse(strip_bom(text))
        except SPDXParsingError as exc:
            messages = [str(m) for m in exc.get_messages()] or ["not an SPDX tag-value document"]
            first = messages[0]
            line = line_in(first, r"[Ll]ine:? (\d+)")
            raise fail(filename, f"invalid SPDX: {first}", line) from None
        return jsonable(DocumentConverter().convert(document))
