"""CycloneDX BOMs in their JSON form."""

from __future__ import annotations

from typing import Any

from sentinel.parsers._common import fail, strip_bom
from sentinel.parsers.json_parser import JsonParser


class CycloneDxParser:
    """A CycloneDX JSON BOM, passed through as conftest does for JSON BOMs, after checking that it
    is one (an object with ``"bomFormat": "CycloneDX"``). conftest also converts XML BOMs through
    its Go CycloneDX model; the Python CycloneDX library adds fields (a current timestamp) in that
    conversion, so XML BOMs are refused here rather than given a different shape.
    """

    name = "cyclonedx"
    extensions: tuple[str, ...] = ("cyclonedx",)

    def parse(self, text: str, filename: str) -> Any:
        text = strip_bom(text)
        if text.lstrip().startswith("<"):
            raise fail(filename, "CycloneDX XML BOMs are not supported; export the BOM as CycloneDX JSON", 1)
        bom = JsonParser().parse(text, filename)
        if not isinstance(bom, dict) or bom.get("bomFormat") != "CycloneDX":
            raise fail(filename, 'invalid CycloneDX: not a CycloneDX JSON BOM (no "bomFormat": "CycloneDX")')
        if not isinstance(bom.get("specVersion"), str):
            raise fail(filename, 'invalid CycloneDX: "specVersion" must be a string such as "1.5"')
        return bom
