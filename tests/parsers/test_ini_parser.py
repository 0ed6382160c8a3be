from __future__ import annotations

from collections.abc import Callable

import pytest

from sentinel.errors import ParseError
from sentinel.parsers import parse_file

WriteFile = Callable[[str, str | bytes], str]


def test_ini_gives_sections_of_keys(write_file: WriteFile) -> None:
    path = write_file("app.ini", "[server]\nhost = example.invalid\nName = api\n\n[client]\nretries = 3\n")
    expected = {"server": {"host": "example.invalid", "Name": "api"}, "client": {"retries": 3}}
    assert parse_file(path) == expected


def test_ini_converts_numbers_and_booleans_like_conftest(write_file: WriteFile) -> None:
    path = write_file("t.ini", "[s]\ncount = 10\nratio = 0.5\nenabled = true\noff = F\nname = ten\n")
    expected = {"count": 10, "ratio": 0.5, "enabled": True, "off": False, "name": "ten"}
    assert parse_file(path) == {"s": expected}


def test_ini_drops_keys_outside_sections_and_the_default_section(write_file: WriteFile) -> None:
    path = write_file("t.ini", "loose = 1\n[DEFAULT]\nshared = 2\n[s]\nown = 3\n")
    assert parse_file(path) == {"s": {"own": 3}}


def test_ini_strips_comments_and_value_quotes(write_file: WriteFile) -> None:
    path = write_file("t.ini", '; header\n[s]\n# note\npath = "/var/lib" ; where\n')
    assert parse_file(path) == {"s": {"path": "/var/lib"}}


def test_ini_does_not_interpolate_percent_references(write_file: WriteFile) -> None:
    path = write_file("t.ini", "[s]\nbase = /srv\nfull = %(base)s/app\n")
    assert parse_file(path) == {"s": {"base": "/srv", "full": "%(base)s/app"}}


def test_ini_line_that_is_not_a_key_names_file_and_line(write_file: WriteFile) -> None:
    path = write_file("bad.ini", "[s]\na = 1\njust words\n")
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert (info.value.file, info.value.line) == (path, 3)
    assert "invalid INI" in info.value.message
