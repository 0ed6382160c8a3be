from __future__ import annotations

from collections.abc import Callable

import pytest

from sentinel.errors import ParseError
from sentinel.parsers import parse_file

WriteFile = Callable[[str, str | bytes], str]


def test_cyclonedx_json_bom_passes_through(write_file: WriteFile) -> None:
    text = '{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"name": "left-pad"}]}'
    assert parse_file(write_file("bom.json", text), parser="cyclonedx") == {
        "bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"name": "left-pad"}]}


def test_json_that_is_not_a_bom_is_refused(write_file: WriteFile) -> None:
    with pytest.raises(ParseError, match="not a CycloneDX JSON BOM"):
        parse_file(write_file("x.cyclonedx", '{"name": "x"}'))


def test_cyclonedx_xml_bom_is_refused_with_a_clear_message(write_file: WriteFile) -> None:
    path = write_file("bom.xml", '<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5"/>')
    with pytest.raises(ParseError, match="export the BOM as CycloneDX JSON"):
        parse_file(path, parser="cyclonedx")
