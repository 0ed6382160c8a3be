from __future__ import annotations

from collections.abc import Callable

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
