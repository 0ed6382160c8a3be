from __future__ import annotations

from collections.abc import Callable

import pytest

from sentinel.errors import ParseError
from sentinel.parsers import parse_file

WriteFile = Callable[[str, str | bytes], str]


def test_json_object_parses_to_its_value(write_file: WriteFile) -> None:
    path = write_file("config.json", '{"name": "api", "replicas": 3, "tags": ["a", "b"], "debug": false}')
    assert parse_file(path) == {"name": "api", "replicas": 3, "tags": ["a", "b"], "debug": False}


def test_json_with_utf8_byte_order_mark_parses(write_file: WriteFile) -> None:
    path = write_file("bom.json", b'\xef\xbb\xbf{"a": 1}')
    assert parse_file(path) == {"a": 1}


def test_ndjson_gives_one_document_per_line(write_file: WriteFile) -> None:
    path = write_file("events.ndjson", '{"id": 1}\n{"id": 2}\n\n{"id": 3}\n')
    assert parse_file(path) == [{"id": 1}, {"id": 2}, {"id": 3}]


def test_json_syntax_error_names_file_and_line(write_file: WriteFile) -> None:
    path = write_file("broken.json", '{\n  "a": 1,\n  "b": \n}\n')
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert info.value.file == path
    assert info.value.line == 4
    assert "invalid JSON" in info.value.message


def test_json_error_in_second_ndjson_value_names_its_line(write_file: WriteFile) -> None:
    path = write_file("events.ndjson", '{"id": 1}\n{"id": }\n')
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert info.value.line == 2


def test_json_nan_is_rejected_as_not_json(write_file: WriteFile) -> None:
    path = write_file("nan.json", '{"ratio": NaN}')
    with pytest.raises(ParseError, match="NaN is not valid JSON"):
        parse_file(path)


def test_deeply_nested_json_is_a_parse_error_not_a_crash(write_file: WriteFile) -> None:
    path = write_file("deep.json", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert info.value.file == path
