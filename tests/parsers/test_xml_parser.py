from __future__ import annotations

from collections.abc import Callable

import pytest

from sentinel.errors import ParseError
from sentinel.parsers import parse_file

WriteFile = Callable[[str, str | bytes], str]


def test_xml_elements_attributes_and_repeats(write_file: WriteFile) -> None:
    path = write_file("pom.xml", '<?xml version="1.0"?>\n<project v="4">\n  <dep>a</dep>\n  <dep>b</dep>\n'
                                 "  <name>demo</name>\n</project>\n")
    assert parse_file(path) == {"project": {"-v": "4", "dep": ["a", "b"], "name": "demo"}}


def test_xml_mixed_text_is_under_content_key(write_file: WriteFile) -> None:
    path = write_file("m.xml", '<note lang="en">hello<b>x</b></note>')
    assert parse_file(path) == {"note": {"-lang": "en", "b": "x", "#content": "hello"}}


def test_xml_syntax_error_names_file_and_line(write_file: WriteFile) -> None:
    path = write_file("bad.xml", "<a>\n  <b>\n</a>\n")
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert (info.value.file, info.value.line) == (path, 3)
    assert "invalid XML: mismatched tag" in info.value.message


def test_xml_entity_declarations_are_refused(write_file: WriteFile) -> None:
    path = write_file("e.xml", '<!DOCTYPE a [<!ENTITY e "boom">]>\n<a>&e;</a>\n')
    with pytest.raises(ParseError, match="entities"):
        parse_file(path)
