"""HCL1 in conftest's (hashicorp/hcl v1) shape (expected values from conftest v0.71.1)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sentinel.errors import ParseError
from sentinel.parsers import parse_file

WriteFile = Callable[[str, str | bytes], str]


def test_hcl1_blocks_are_lists_with_one_entry_per_block(write_file: WriteFile) -> None:
    path = write_file("main.hcl1", (
        'r "a" "b" { v = 1 }\nr "a" "c" { v = 2 }\nr "d" { v = 3 }\n'
        "tags { a = 1 }\ntags { b = 2 }\nvariable \"x\" {}\n"
    ))
    assert parse_file(path) == {
        "r": [{"a": [{"b": [{"v": 1}]}]}, {"a": [{"c": [{"v": 2}]}]}, {"d": [{"v": 3}]}],
        "tags": [{"a": 1}, {"b": 2}],
        "variable": [{"x": [{}]}],
    }


def test_hcl1_objects_are_lists_of_maps_except_directly_inside_a_list(write_file: WriteFile) -> None:
    text = 'obj = { x = 1, y = { z = 2 } }\nlst = [{ a = 1 }, { b = 2 }]\ndup = 1\ndup = 2\n'
    path = write_file("o.hcl1", text)
    assert parse_file(path) == {
        "obj": [{"x": 1, "y": [{"z": 2}]}], "lst": [{"a": 1}, {"b": 2}], "dup": 2,
    }


def test_hcl1_scalars_interpolation_and_heredoc(write_file: WriteFile) -> None:
    text = 's = "x${var.y}"\nn = 10000000000\nf = 1.5\nh = 0x10\nb = true\ndoc = <<EOT\nhello\nEOT\n'
    assert parse_file(write_file("s.hcl1", text)) == {
        "s": "x${var.y}", "n": 10000000000, "f": 1.5, "h": 16, "b": True, "doc": "hello\n",
    }


def test_hcl1_syntax_error_names_file_and_line(write_file: WriteFile) -> None:
    path = write_file("bad.hcl1", "a {\n  b = 1\n  c = = 2\n}\n")
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert (info.value.file, info.value.line) == (path, 3)
    assert info.value.message.startswith("invalid HCL1: ")


def test_hcl1_deep_nesting_is_refused(write_file: WriteFile) -> None:
    path = write_file("deep.hcl1", "a { " * 80 + "}" * 80)
    with pytest.raises(ParseError, match="nested more than 64 deep"):
        parse_file(path)


def test_hcl1_is_chosen_by_its_parser_name_only(write_file: WriteFile) -> None:
    path = write_file("main.tf", 'resource "a" "b" { x = 1 }\n')
    assert parse_file(path, parser="hcl1") == {"resource": [{"a": [{"b": [{"x": 1}]}]}]}
