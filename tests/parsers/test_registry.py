"""The registry in sentinel/parsers/__init__.py: names, detection, reading files and stdin."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from sentinel import parsers
from sentinel.errors import ParseError, UsageError
from sentinel.parsers import (
    UNSUPPORTED,
    can_parse,
    get_parser,
    parse_file,
    parse_stdin,
    parser_for_path,
    parser_name_for_path,
)

WriteFile = Callable[[str, str | bytes], str]

CONFTEST_PARSERS = {
    "codeowners", "cue", "cyclonedx", "dockerfile", "dotenv", "edn", "groovy", "hcl1", "hcl2", "hocon",
    "ignore", "ini", "json", "jsonc", "jsonnet", "nginx", "properties", "spdx", "textproto", "toml", "vcl",
    "xml", "yaml",
}


def test_every_conftest_parser_name_is_either_provided_or_explained() -> None:
    assert set(parsers.names()) | set(UNSUPPORTED) == CONFTEST_PARSERS
    assert not set(parsers.names()) & set(UNSUPPORTED)


def test_each_parser_reports_its_own_name() -> None:
    for name in parsers.names():
        assert get_parser(name).name == name


def test_each_parser_declares_the_extensions_that_select_it() -> None:
    for name in parsers.names():
        for ext in get_parser(name).extensions:
            assert parser_name_for_path(f"input.{ext}") == name, ext


@pytest.mark.parametrize(("path", "expected"), [
    ("k8s/deploy.yaml", "yaml"), ("ci.YML", "yaml"), ("data.json", "json"), ("events.ndjson", "json"),
    ("settings.jsonc", "jsonc"), ("main.tf", "hcl2"), ("prod.tfvars", "hcl2"), ("job.hcl", "hcl2"),
    ("Dockerfile", "dockerfile"), ("Dockerfile.debug", "dockerfile"), ("dev.Dockerfile", "dockerfile"),
    (".gitignore", "ignore"), (".dockerignore", "ignore"), (".env", "dotenv"), (".env.prod", "dotenv"),
    ("prod.env", "dotenv"), ("app.ini", "ini"), ("pyproject.toml", "toml"), ("pom.xml", "xml"),
    ("app.properties", "properties"), ("main.jsonnet", "jsonnet"), ("app.hocon", "hocon"), ("db.edn", "edn"),
    ("sbom.spdx", "spdx"), ("schema.cue", "cue"), ("msg.textpb", "textproto"), ("kubeconfig", None),
])
def test_parser_is_chosen_by_file_name_as_conftest_does(path: str, expected: str | None) -> None:
    assert parser_name_for_path(path) == expected


def test_unknown_parser_name_is_a_usage_error_listing_the_choices() -> None:
    with pytest.raises(UsageError) as info:
        get_parser("csv")
    assert info.value.message.startswith("unknown parser 'csv'; choose one of: ")
    assert "yaml" in info.value.message


def test_known_but_unsupported_parser_is_a_usage_error_with_the_reason() -> None:
    with pytest.raises(UsageError, match=r"^unsupported parser 'cue': no maintained Python CUE"):
        get_parser("cue")


def test_unrecognised_extension_is_a_parse_error_naming_the_file() -> None:
    with pytest.raises(ParseError) as info:
        parser_for_path("notes/readme.txt")
    assert info.value.file == "notes/readme.txt"
    assert "pass --parser" in info.value.message


def test_file_of_an_unsupported_format_is_a_parse_error_naming_the_file(write_file: WriteFile) -> None:
    path = write_file("schema.cue", "a: 1\n")
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert info.value.file == path
    assert "unsupported parser 'cue'" in info.value.message


def test_directory_walks_skip_files_without_a_known_extension() -> None:
    assert can_parse("deploy/app.yaml")
    assert can_parse("Dockerfile")
    assert can_parse(".env")
    assert not can_parse("LICENSE")
    assert not can_parse("notes.txt")
    assert not can_parse("schema.cue")


def test_parser_override_reads_any_file_name(write_file: WriteFile) -> None:
    path = write_file("settings.conf", "[main]\nport = 80\n")
    assert parse_file(path, parser="ini") == {"main": {"port": 80}}


def test_parser_override_wins_over_the_extension(write_file: WriteFile) -> None:
    path = write_file("looks.json", "a: 1\n")
    assert parse_file(path, parser="yaml") == {"a": 1}


def test_missing_file_is_a_parse_error_naming_it(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.json")
    with pytest.raises(ParseError) as info:
        parse_file(missing)
    assert (info.value.file, info.value.message) == (missing, "input file does not exist")


def test_directory_is_a_parse_error_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "conf.d.json"
    folder.mkdir()
    with pytest.raises(ParseError, match="is a directory") as info:
        parse_file(str(folder))
    assert info.value.file == str(folder)


def test_binary_file_is_a_parse_error(write_file: WriteFile) -> None:
    path = write_file("image.json", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ParseError, match="binary file") as info:
        parse_file(path)
    assert info.value.file == path


def test_non_utf8_file_is_a_parse_error_with_the_line(write_file: WriteFile) -> None:
    path = write_file("latin1.yaml", "a: 1\nname: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ParseError, match="not UTF-8") as info:
        parse_file(path)
    assert (info.value.file, info.value.line) == (path, 2)


def test_file_over_the_size_limit_names_size_and_limit(write_file: WriteFile) -> None:
    path = write_file("big.json", '{"pad": "' + "x" * 200 + '"}')
    with pytest.raises(ParseError) as info:
        parse_file(path, max_bytes=100)
    assert info.value.file == path
    assert info.value.message == "file is 211 bytes, over the 100-byte limit"


def test_size_limit_holds_for_streams_of_unknown_size() -> None:
    read_end, write_end = os.pipe()

    def feed() -> None:
        with open(write_end, "wb") as writer, contextlib.suppress(BrokenPipeError):
            writer.write(b"[" + b"1," * 1000 + b"1]")

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        with open(read_end, "rb") as stream, pytest.raises(ParseError, match="over the 100-byte limit"):
            parsers.read_limited(stream, 100)
    finally:
        writer.join(timeout=5)


def test_stdin_without_parser_reads_json() -> None:
    assert parse_stdin('{"a": [1, 2]}') == {"a": [1, 2]}


def test_stdin_without_parser_reads_yaml() -> None:
    assert parse_stdin("a: 1\n---\nb: 2\n") == [{"a": 1}, {"b": 2}]


def test_stdin_with_a_parser_uses_it() -> None:
    assert parse_stdin(b"[s]\nk = v\n", "ini") == {"s": {"k": "v"}}


def test_stdin_errors_are_reported_against_dash() -> None:
    with pytest.raises(ParseError) as info:
        parse_stdin("a: [1\n")
    assert info.value.file == "-"
    assert "invalid YAML" in info.value.message


def test_combine_gives_one_entry_per_document_sorted_by_path() -> None:
    combined = parsers.combine({"b.yaml": [{"x": 1}, {"x": 2}], "a.json": {"y": 1}})
    assert combined == [
        {"path": "a.json", "contents": {"y": 1}},
        {"path": "b.yaml", "contents": {"x": 1}},
        {"path": "b.yaml", "contents": {"x": 2}},
    ]
