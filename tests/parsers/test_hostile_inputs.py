"""Hostile inputs: parser bombs, files and environment reached through a format, inputs that block,
oversized standard input, and error messages that would quote secrets."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentinel import parsers
from sentinel.cli import main
from sentinel.errors import ParseError
from sentinel.parsers import parse_bytes, parse_file
from sentinel.parsers.yaml_parser import MAX_ALIASES
from sentinel.runner.evaluate import discover_inputs
from tests.parsers.conftest import WriteFile

SECRET = "AKIAIOSFODNN7EXAMPLE-wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"

BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{b}: &{b} [{','.join(['*' + a] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
) + "\n"


# YAML aliases


def test_yaml_billion_laughs_is_refused_as_too_many_aliases() -> None:
    assert len(BILLION_LAUGHS) < 500
    with pytest.raises(ParseError, match="too many aliases") as info:
        parse_bytes(BILLION_LAUGHS.encode(), "bomb.yaml")
    assert info.value.file == "bomb.yaml"


def test_yaml_alias_count_is_limited() -> None:
    text = "a: &a 1\nb: [" + "*a, " * (MAX_ALIASES + 1) + "]\n"
    with pytest.raises(ParseError, match="too many aliases"):
        parse_bytes(text.encode(), "many.yaml")


def test_yaml_aliases_of_a_huge_scalar_are_refused() -> None:
    text = 'a: &a "' + "x" * (1024 * 1024) + '"\nb: [' + "*a, " * 20 + "]\n"
    with pytest.raises(ParseError, match="too many aliases"):
        parse_bytes(text.encode(), "wide.yaml")


def test_yaml_recursive_alias_is_refused() -> None:
    with pytest.raises(ParseError, match="recursive alias"):
        parse_bytes(b"a: &a [1, *a]\n", "loop.yaml")


def test_yaml_ordinary_anchors_and_merge_keys_still_expand() -> None:
    text = "base: &base {image: api, replicas: 2}\nprod: {<<: *base, replicas: 5}\nalso: *base\n"
    assert parse_bytes(text.encode(), "ok.yaml") == {
        "base": {"image": "api", "replicas": 2},
        "prod": {"image": "api", "replicas": 5},
        "also": {"image": "api", "replicas": 2},
    }


def test_yaml_cloudformation_tags_keep_their_values() -> None:
    text = (
        "Resources:\n  B:\n    Properties:\n      Name: !Ref BucketName\n"
        "      Arn: !GetAtt [Role, Arn]\n      Url: !Sub 'https://${Host}/x'\n"
        "      Cfg: !If {a: 1}\n"
    )
    assert parse_bytes(text.encode(), "stack.yaml") == {"Resources": {"B": {"Properties": {
        "Name": "BucketName", "Arn": ["Role", "Arn"], "Url": "https://${Host}/x", "Cfg": {"a": 1},
    }}}}


# Jsonnet


def test_jsonnet_importstr_of_an_absolute_path_is_refused(write_file: WriteFile) -> None:
    path = write_file("main.jsonnet", 'importstr "/proc/self/environ"')
    with pytest.raises(ParseError, match="absolute import paths are not allowed"):
        parse_file(path)


def test_jsonnet_import_leaving_the_folder_is_refused(write_file: WriteFile) -> None:
    write_file("outside.libsonnet", '{secret: "s"}')
    path = write_file("app/main.jsonnet", 'import "../outside.libsonnet"')
    with pytest.raises(ParseError, match="inside the folder of the input"):
        parse_file(path)


def test_jsonnet_import_through_a_symlink_out_of_the_folder_is_refused(
    write_file: WriteFile, tmp_path: Path
) -> None:
    write_file("outside.txt", "secret")
    path = write_file("app/main.jsonnet", 'importstr "link.txt"')
    (tmp_path / "app" / "link.txt").symlink_to(tmp_path / "outside.txt")
    with pytest.raises(ParseError, match="inside the folder of the input"):
        parse_file(path)


def test_jsonnet_imports_inside_the_folder_resolve_from_the_importing_file(write_file: WriteFile) -> None:
    write_file("app/lib/base.libsonnet", '{port: (import "port.libsonnet")}')
    write_file("app/lib/port.libsonnet", "8080")
    write_file("app/name.txt", "api")
    path = write_file("app/main.jsonnet", '(import "lib/base.libsonnet") + {name: importstr "name.txt"}')
    assert parse_file(path) == {"port": 8080, "name": "api"}


def test_jsonnet_that_exhausts_memory_is_a_parse_error(write_file: WriteFile) -> None:
    path = write_file("big.jsonnet", "std.range(0, 1e8)")
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert info.value.file == path


def test_jsonnet_that_never_finishes_is_stopped_at_the_time_limit(
    write_file: WriteFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENTINEL_PARSER_TIME_LIMIT", "1")
    path = write_file("slow.jsonnet", "local f(n) = if n == 0 then 1 else f(n - 1) + f(n - 1); f(100)")
    started = time.monotonic()
    with pytest.raises(ParseError, match="took longer than 1 seconds"):
        parse_file(path)
    assert time.monotonic() - started < 10


# HOCON


def test_hocon_include_file_of_an_absolute_path_is_refused(write_file: WriteFile) -> None:
    path = write_file("app.hocon", 'include file("/etc/hostname")\nx = 1\n')
    with pytest.raises(ParseError, match="inside the folder of the input"):
        parse_file(path)


def test_hocon_nested_include_leaving_the_folder_is_refused(write_file: WriteFile) -> None:
    write_file("secret.conf", "token = s\n")
    write_file("app/conf/nested.conf", 'include "../../secret.conf"\n')
    path = write_file("app/main.hocon", 'include "conf/nested.conf"\n')
    with pytest.raises(ParseError, match="inside the folder of the input"):
        parse_file(path)


def test_hocon_includes_inside_the_folder_still_merge(write_file: WriteFile) -> None:
    write_file("app/conf/db.conf", "db { port = 5432 }\n")
    path = write_file("app/main.hocon", 'include "conf/db.conf"\ndb.host = local\n')
    assert parse_file(path) == {"db": {"port": 5432, "host": "local"}}


def test_hocon_does_not_read_the_environment(write_file: WriteFile, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTINEL_TEST_TOKEN", SECRET)
    required = write_file("req.hocon", "token = ${SENTINEL_TEST_TOKEN}\n")
    with pytest.raises(ParseError, match="Cannot resolve variable") as info:
        parse_file(required)
    assert SECRET not in str(info.value)
    optional = write_file("opt.hocon", "token = ${?SENTINEL_TEST_TOKEN}\nname = api\n")
    assert parse_file(optional) == {"token": "<<unknown value>>", "name": "api"}


# dotenv


def test_dotenv_does_not_copy_the_environment(write_file: WriteFile, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTINEL_TEST_TOKEN", SECRET)
    path = write_file(".env", "HOST=db\nURL=postgres://${HOST}/x\nTOKEN=${SENTINEL_TEST_TOKEN}\nD=${NOPE:-d}\n")
    assert parse_file(path) == {"HOST": "db", "URL": "postgres://db/x", "TOKEN": "", "D": "d"}


# Inputs that would block


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_given_as_input_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ParseError, match=r"is a named pipe \(FIFO\), not an input file") as info:
        parse_file(str(fifo))
    assert info.value.file == str(fifo)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_in_an_input_folder_is_named_when_walking(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "ok.yaml").write_text("a: 1\n")
    os.mkfifo(tmp_path / "conf" / "pipe.yaml")
    with pytest.raises(ParseError, match="named pipe") as info:
        discover_inputs([str(tmp_path / "conf")], None, None)
    assert info.value.file == str(tmp_path / "conf" / "pipe.yaml")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_sentinel_test_on_a_folder_with_a_fifo_exits_2_promptly(tmp_path: Path) -> None:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "p.rego").write_text("package main\n\ndeny contains 1 if false\n")
    (tmp_path / "conf").mkdir()
    os.mkfifo(tmp_path / "conf" / "pipe.json")
    done = subprocess.run(
        [sys.executable, "-c", "from sentinel.cli import main; main()", "test", "-p", "policy", "conf"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 2
    assert "named pipe" in done.stderr


def test_character_device_is_refused() -> None:
    with pytest.raises(ParseError, match="character device"):
        parse_file("/dev/zero", parser="json")


# Standard input


def test_stdin_over_the_limit_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    (tmp_path / "p.rego").write_text("package main\n\ndeny contains 1 if false\n")
    stdin = '{"pad": "' + "x" * 5000 + '"}'
    result = CliRunner().invoke(
        main, ["test", "-p", str(tmp_path / "p.rego"), "--max-input-bytes", "1000", "-"], input=stdin
    )
    assert result.exit_code == 2
    assert "over the 1000-byte limit" in result.stderr


def test_read_limited_reads_a_stream_within_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "data"
    path.write_bytes(b"x" * 3000)
    with path.open("rb") as stream:
        assert parsers.read_limited(stream, 3000) == b"x" * 3000
    with path.open("rb") as stream, pytest.raises(ParseError, match="over the 2999-byte limit"):
        parsers.read_limited(stream, 2999)


# Error messages quote no secrets


@pytest.mark.parametrize(("name", "text"), [
    (".env", f"A=1\nexport {SECRET} {SECRET}\n"),
    ("a.yaml", f"a: 1\n{SECRET}: [\n"),
    ("a.yaml", f"a: !{SECRET}{SECRET} x\nb: *{SECRET}\n"),
    ("a.json", f'{{"k": "{SECRET}" "{SECRET}"}}'),
    ("a.toml", f'k = "{SECRET}"\n{SECRET} {SECRET}\n'),
    ("a.ini", f"[s]\nk = v\n[{SECRET}\n"),
    ("a.tf", f'resource "x" "y" {{ a = "{SECRET}" "{SECRET}" }}\n'),
    ("a.edn", f'{{:a "{SECRET}" :b {SECRET}{SECRET}]'),
    ("a.jsonc", f'{{"a": {SECRET}}}'),
    ("a.xml", f"<a>{SECRET}</b>"),
    ("a.hocon", f"a = ${{{SECRET}}}\n"),
    ("a.jsonnet", f'error "{SECRET}"'),
    ("a.jsonnet", f"local x = {SECRET}{SECRET}; x"),
    ("Dockerfile", f'FROM alpine\nCOPY ["{SECRET}", \n'),
])
def test_error_messages_quote_at_most_a_short_excerpt(name: str, text: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParseError) as info:
        parse_file(str(path))
    message = info.value.message
    assert "\n" not in message
    assert len(message) <= 200
    assert SECRET not in message
    assert not any(text[i:i + 41] in message for i in range(len(text) - 40))


# Escapes of lone UTF-16 surrogates


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("a.json", '{"a": "x\\udafby", "\\uDC00": [1]}', {"a": "x\ufffdy", "\ufffd": [1]}),
    ("a.jsonc", '{"a": "\\ud800" /* c */}', {"a": "\ufffd"}),
    ("a.edn", '{:a "\\udafb"}', {":a": "\ufffd"}),
    ("a.json", '{"a": "\\ud83d\\ude00 \\ud83d"}', {"a": "\U0001f600 \ufffd"}),
])
def test_a_lone_surrogate_escape_becomes_the_replacement_character(
    name: str, text: str, expected: object, write_file: WriteFile,
) -> None:
    assert parse_file(write_file(name, text)) == expected


def test_a_lone_surrogate_escape_is_printed_and_evaluated(tmp_path: Path) -> None:
    """A lone surrogate has no UTF-8 form: before, ``parse`` died printing it (an internal error)
    and ``test`` could not hand the document to the engine."""
    data = tmp_path / "a.json"
    data.write_text('{"a": "\\udafb"}', encoding="utf-8")
    policy = tmp_path / "p.rego"
    policy.write_text('package main\n\ndeny contains msg if {\n\tmsg := sprintf("%v", [input.a])\n}\n')
    parsed = CliRunner().invoke(main, ["parse", str(data)])
    assert (parsed.exit_code, parsed.stdout) == (0, '{\n  "a": "\ufffd"\n}\n')
    tested = CliRunner().invoke(main, ["test", "--no-library", "-p", str(policy), str(data)])
    assert tested.exit_code == 1, tested.output
    assert "FAIL - " in tested.stdout and "\ufffd" in tested.stdout
