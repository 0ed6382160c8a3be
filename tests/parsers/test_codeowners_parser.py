"""CODEOWNERS in conftest's shape (expected values taken from conftest v0.71.1 ``parse``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sentinel.errors import ParseError
from sentinel.parsers import parse_file

WriteFile = Callable[[str, str | bytes], str]


def test_codeowners_rules_carry_typed_owners_comment_and_line(write_file: WriteFile) -> None:
    path = write_file("CODEOWNERS", "# owners\n*  @org/team\n/docs/ @a b@example.com # writers\n\nlonely\n")
    assert parse_file(path) == {"rules": [
        {"pattern": "*", "owners": [{"type": "team", "value": "org/team"}], "comment": "", "lineNumber": 2},
        {"pattern": "/docs/",
         "owners": [{"type": "username", "value": "a"}, {"type": "email", "value": "b@example.com"}],
         "comment": "writers", "lineNumber": 3},
        {"pattern": "lonely", "owners": [], "comment": "", "lineNumber": 5},
    ]}


def test_codeowners_escaped_space_stays_in_the_pattern(write_file: WriteFile) -> None:
    path = write_file("CODEOWNERS", "foo\\ bar/ @x\r\n")
    assert parse_file(path) == {"rules": [
        {"pattern": "foo\\ bar/", "owners": [{"type": "username", "value": "x"}], "comment": "",
         "lineNumber": 1},
    ]}


def test_codeowners_without_rules_gives_null_rules_like_conftest(write_file: WriteFile) -> None:
    assert parse_file(write_file("CODEOWNERS", "# nothing yet\n")) == {"rules": None}


@pytest.mark.parametrize(("text", "line", "message"), [
    ("* @ok\n*.js @bad.user\n", 2, "invalid owner format '@bad.user' at position 6"),
    ("* bad!owner\n", 1, "unexpected character '!' at position 6"),
    ("a\u00e9 @x\n", 1, "unexpected character '\u00e9' at position 2"),
    ("a/***/b @x\n", 1, "pattern cannot contain three consecutive asterisks"),
])
def test_codeowners_errors_name_file_line_and_position(
    write_file: WriteFile, text: str, line: int, message: str
) -> None:
    path = write_file("CODEOWNERS", text)
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert (info.value.file, info.value.line) == (path, line)
    assert info.value.message == f"invalid CODEOWNERS: {message}"


def test_codeowners_line_over_the_limit_is_refused(write_file: WriteFile) -> None:
    path = write_file("CODEOWNERS", "* @a\n" + "x" * (64 * 1024 + 1) + "\n")
    with pytest.raises(ParseError, match="over 65536 bytes") as info:
        parse_file(path)
    assert info.value.line == 2
