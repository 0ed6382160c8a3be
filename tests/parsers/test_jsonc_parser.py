from __future__ import annotations

from collections.abc import Callable

import pytest

from sentinel.errors import ParseError
from sentinel.parsers import parse_file

WriteFile = Callable[[str, str | bytes], str]


def test_jsonc_allows_line_and_block_comments(write_file: WriteFile) -> None:
    path = write_file("settings.jsonc", '// editor settings\n{\n  /* size */ "tabSize": 2, // two\n}\n')
    assert parse_file(path) == {"tabSize": 2}


def test_jsonc_allows_trailing_commas(write_file: WriteFile) -> None:
    path = write_file("tsconfig.jsonc", '{"compilerOptions": {"strict": true, "lib": ["es2022",],},}')
    assert parse_file(path) == {"compilerOptions": {"strict": True, "lib": ["es2022"]}}


def test_jsonc_syntax_error_names_file_and_line(write_file: WriteFile) -> None:
    path = write_file("bad.jsonc", '{\n  // fine\n  "a": 1,,\n}\n')
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert (info.value.file, info.value.line) == (path, 3)
    assert "invalid JSONC" in info.value.message


def test_plain_json_file_with_a_comment_needs_the_jsonc_parser(write_file: WriteFile) -> None:
    path = write_file("commented.json", '{"a": 1 // no comments in JSON\n}')
    with pytest.raises(ParseError):
        parse_file(path)
    assert parse_file(path, parser="jsonc") == {"a": 1}
