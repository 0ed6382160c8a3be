from __future__ import annotations

from collections.abc import Callable

from sentinel.parsers import parse_file

WriteFile = Callable[[str, str | bytes], str]


def test_gitignore_lines_become_kind_value_original_entries(write_file: WriteFile) -> None:
    path = write_file(".gitignore", "node_modules/\n!keep.log\n\n# Build output\ndist \n")
    assert parse_file(path) == [[
        {"Kind": "Path", "Value": "node_modules/", "Original": "node_modules/"},
        {"Kind": "NegatedPath", "Value": "keep.log", "Original": "!keep.log"},
        {"Kind": "Empty", "Value": "", "Original": ""},
        {"Kind": "Comment", "Value": "Build output", "Original": "# Build output"},
        {"Kind": "Path", "Value": "dist", "Original": "dist "},
        {"Kind": "Empty", "Value": "", "Original": ""},
    ]]


def test_escaped_characters_are_unescaped_in_the_value(write_file: WriteFile) -> None:
    path = write_file(".dockerignore", "\\#not-a-comment\nspace\\ \n")
    entries = parse_file(path)[0]
    assert entries[0] == {"Kind": "Path", "Value": "#not-a-comment", "Original": "\\#not-a-comment"}
    assert entries[1] == {"Kind": "Path", "Value": "space ", "Original": "space\\ "}
