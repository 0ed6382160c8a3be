"""XML via xmltodict, in the shape conftest's XML parser (goxml2json) gives."""

from __future__ import annotations

from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict

from sentinel.parsers._common import fail, strip_bom


class XmlParser:
    """Elements become keys, repeated elements lists, attributes ``-name`` keys, mixed text
    ``#content``; every value stays a string, as in conftest. DTDs and entity declarations are
    refused (no entity expansion).
    """

    name = "xml"
    extensions: tuple[str, ...] = ("xml",)

    def parse(self, text: str, filename: str) -> Any:
        try:
            return xmltodict.parse(strip_bom(text), attr_prefix="-", cdata_key="#content",
                                   disable_entities=True)
        except ExpatError as exc:
            message = str(exc).split(":")[0]
            raise fail(filename, f"invalid XML: {message}", exc.lineno) from None
        except ValueError as exc:
            raise fail(filename, f"invalid XML: {exc}") from None
