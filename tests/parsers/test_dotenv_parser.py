from __future__ import annotations

from collections.abc import Callable

import pytest

from sentinel.errors import ParseError
from sentinel.parsers import parse_file

WriteFile = Callable[[str, str | bytes], str]


def test_dotenv_gives_names_and_unquoted_values(write_file: WriteFile) -> None:
    path = write_file(".env", '# settings\nPORT=8080\nexport NAME="my app"\nEMPTY=\n')
    assert parse_file(path) == {"PORT": "8080", "NAME": "my app", "EMPTY": ""}


def test_dotenv_expands_earlier_variables(write_file: WriteFile) -> None:
    path = write_file(".env", "HOST=db\nURL=postgres://${HOST}:5432\n")
    assert parse_file(path)["URL"] == "postgres://db:5432"


def test_dotenv_is_detected_by_env_names(write_file: WriteFile) -> None:
    for name in (".env", ".env.production", "prod.env"):
        assert parse_file(write_file(name, "A=1\n")) == {"A": "1"}


def test_dotenv_line_without_value_names_file_and_line(write_file: WriteFile) -> None:
    path = write_file(".env", "A=1\nJUST_A_NAME\n")
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert (info.value.file, info.value.line) == (path, 2)


def test_dotenv_garbage_line_names_file_and_line(write_file: WriteFile) -> None:
    path = write_file(".env", "A=1\nB=2\nthis is not a setting\n")
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert info.value.line == 3
