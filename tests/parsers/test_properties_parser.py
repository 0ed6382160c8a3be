from __future__ import annotations

from collections.abc import Callable

import pytest

from sentinel.errors import ParseError
from sentinel.parsers import parse_file

WriteFile = Callable[[str, str | bytes], str]


def test_properties_separators_comments_and_continuations(write_file: WriteFile) -> None:
    path = write_file("app.properties", "# c\n! also c\na=1\nb : two\nc three\nlong = x\\\n    y\n")
    assert parse_file(path) == {"a": "1", "b": "two", "c": "three", "long": "xy"}


def test_properties_unicode_escapes_are_decoded(write_file: WriteFile) -> None:
    assert parse_file(write_file("m.properties", "greeting=gr\\u00fc\\u00df\n")) == {"greeting": "grüß"}


def test_properties_references_are_left_unexpanded(write_file: WriteFile) -> None:
    assert parse_file(write_file("m.properties", "a=1\nb=${a}\n")) == {"a": "1", "b": "${a}"}


def test_properties_bad_escape_names_file_and_line(write_file: WriteFile) -> None:
    path = write_file("bad.properties", "a=1\nb=\\u00zz\n")
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert (info.value.file, info.value.line) == (path, 2)
