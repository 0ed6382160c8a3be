from __future__ import annotations

from collections.abc import Callable

import edn_format
import pytest

from sentinel.errors import ParseError
from sentinel.parsers import parse_file

WriteFile = Callable[[str, str | bytes], str]


def test_edn_keywords_and_scalars_become_strings_like_conftest(write_file: WriteFile) -> None:
    path = write_file("db.edn", '{;; a comment\n:sample1 "my-username",\n:sample2 false,\n:sample3 5432}\n')
    assert parse_file(path) == {":sample1": "my-username", ":sample2": "false", ":sample3": "5432"}


def test_edn_vectors_lists_and_nested_maps(write_file: WriteFile) -> None:
    path = write_file("c.edn", "{:hosts [\"a\" \"b\"] :ids (1 2) :opts {:retry 2.5 :mode :fast}}")
    expected = {":hosts": ["a", "b"], ":ids": ["1", "2"], ":opts": {":retry": "2.5", ":mode": ":fast"}}
    assert parse_file(path) == expected


def test_edn_nil_is_null_and_sets_are_sorted_arrays(write_file: WriteFile) -> None:
    path = write_file("s.edn", '{:none nil :tags #{"b" "a"}}')
    assert parse_file(path) == {":none": None, ":tags": ["a", "b"]}


def test_edn_syntax_error_names_the_file(write_file: WriteFile) -> None:
    path = write_file("bad.edn", "{:a 1\n :b [1 2")
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert info.value.file == path
    assert "invalid EDN" in info.value.message


def test_edn_unknown_tags_are_kept_as_tag_and_value_text_like_conftest(write_file: WriteFile) -> None:
    path = write_file("t.edn", '{:a #duration "5m" :b #app/secret [:vault 1.5] :c #cfg {:y 1 :x nil}}')
    assert parse_file(path) == {
        ":a": "#duration 5m", ":b": "#app/secret [:vault 1.5]", ":c": "#cfg map[:x:<nil> :y:1]",
    }


def test_edn_uuid_keeps_its_tag_and_text(write_file: WriteFile) -> None:
    path = write_file("u.edn", '[#uuid "F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6"]')
    assert parse_file(path) == ["#uuid F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6"]


def test_edn_inst_is_printed_as_a_go_time(write_file: WriteFile) -> None:
    path = write_file("i.edn", (
        '[#inst "1985-04-12T23:20:50.52Z" #inst "1985-04-12T23:20:50-08:00" #x #inst "2000-01-01T00:00:00Z"]'
    ))
    assert parse_file(path) == [
        "1985-04-12 23:20:50.52 +0000 UTC",
        "1985-04-12 23:20:50 -0800 -0800",
        "#x 2000-01-01 00:00:00 +0000 UTC",
    ]


def test_edn_invalid_inst_is_an_error_naming_the_file(write_file: WriteFile) -> None:
    path = write_file("bad-inst.edn", '{:a #inst "1985"}')
    with pytest.raises(ParseError, match="RFC 3339") as info:
        parse_file(path)
    assert info.value.file == path


def test_edn_tags_leave_no_handlers_behind(write_file: WriteFile) -> None:
    parse_file(write_file("a.edn", "#once 1"))
    with pytest.raises(NotImplementedError):
        edn_format.loads("#once 1")
