from __future__ import annotations

from collections.abc import Callable

import pytest

from sentinel.errors import ParseError
from sentinel.parsers import parse_file

WriteFile = Callable[[str, str | bytes], str]


def test_toml_tables_and_arrays_parse(write_file: WriteFile) -> None:
    path = write_file("pyproject.toml", '[project]\nname = "demo"\n[[tool.x]]\nn = 1\n[[tool.x]]\nn = 2\n')
    assert parse_file(path) == {"project": {"name": "demo"}, "tool": {"x": [{"n": 1}, {"n": 2}]}}


def test_toml_datetimes_become_rfc3339_strings(write_file: WriteFile) -> None:
    path = write_file("t.toml", "at = 1979-05-27T07:32:00Z\nday = 1979-05-27\nlocal = 1979-05-27T07:32:00\n")
    expected = {"at": "1979-05-27T07:32:00Z", "day": "1979-05-27", "local": "1979-05-27T07:32:00"}
    assert parse_file(path) == expected


def test_toml_syntax_error_names_file_and_line(write_file: WriteFile) -> None:
    path = write_file("bad.toml", 'a = 1\n[b]\nc = \n')
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert (info.value.file, info.value.line) == (path, 3)
    assert info.value.message.startswith("invalid TOML: Invalid value")
