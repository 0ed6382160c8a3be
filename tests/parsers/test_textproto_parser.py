"""Text-format protobuf with --proto-file-dirs, in conftest's shape (protojson, proto field names;
expected values from conftest v0.71.1 ``test``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentinel.cli import main
from sentinel.errors import ParseError, UsageError
from sentinel.parsers import parse_file

WriteFile = Callable[[str, str | bytes], str]

PROTO = """syntax = "proto3";
package acme.cfg;
message Limits { uint32 cpu = 1; uint64 mem = 2; }
message Server {
  string host_name = 1;
  int32 port = 2;
  repeated string tags = 3;
  Mode mode = 4;
  Limits limits = 5;
  bytes blob = 6;
  map<string, int32> weights = 7;
  int32 zero = 8;
}
enum Mode { MODE_UNSPECIFIED = 0; FAST = 1; }
"""
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"


@pytest.fixture
def protos(write_file: WriteFile) -> str:
    return str(Path(write_file("protos/acme/cfg.proto", PROTO)).parent.parent)


def test_textproto_is_the_messages_json_with_proto_field_names(write_file: WriteFile, protos: str) -> None:
    path = write_file("server.textproto", (
        "# proto-message: acme.cfg.Server\nhost_name: \"api\"\nport: 8080\ntags: [\"a\", \"b\"]\nmode: FAST\n"
        "limits { cpu: 2 mem: 1024 }\nblob: \"hi\"\nweights { key: \"x\" value: 3 }\nzero: 0\n"
    ))
    assert parse_file(path, proto_file_dirs=[protos]) == {
        "host_name": "api", "port": 8080, "tags": ["a", "b"], "mode": "FAST",
        "limits": {"cpu": 2, "mem": "1024"}, "blob": "aGk=", "weights": {"x": 3},
    }


def test_textproto_without_proto_file_dirs_says_what_to_pass(write_file: WriteFile) -> None:
    path = write_file("s.textpb", "# proto-message: acme.cfg.Server\nport: 1\n")
    with pytest.raises(ParseError, match="pass --proto-file-dirs") as info:
        parse_file(path)
    assert info.value.file == path


def test_textproto_without_a_message_type_comment_is_an_error(write_file: WriteFile, protos: str) -> None:
    path = write_file("s.textproto", "port: 1\n")
    with pytest.raises(ParseError, match="proto-message"):
        parse_file(path, proto_file_dirs=[protos])


def test_textproto_unknown_message_type_is_an_error(write_file: WriteFile, protos: str) -> None:
    path = write_file("s.textproto", "# proto-message: acme.cfg.Nope\nport: 1\n")
    with pytest.raises(ParseError, match="not defined under --proto-file-dirs"):
        parse_file(path, proto_file_dirs=[protos])


def test_textproto_syntax_error_names_the_line_and_masks_secrets(write_file: WriteFile, protos: str) -> None:
    path = write_file("s.textproto", f"# proto-message: acme.cfg.Server\nport: 1\nhost_name: {AWS_KEY}\n")
    with pytest.raises(ParseError) as info:
        parse_file(path, proto_file_dirs=[protos])
    assert (info.value.file, info.value.line) == (path, 3)
    assert AWS_KEY not in info.value.message


def test_broken_proto_definition_names_the_proto_file_and_line(write_file: WriteFile) -> None:
    write_file("bad/x.proto", 'syntax = "proto3";\nmessage A {\n  int32 a = ;\n}\n')
    path = write_file("s.textproto", "# proto-message: A\n")
    folder = str(Path(path).parent / "bad")
    with pytest.raises(ParseError) as info:
        parse_file(path, proto_file_dirs=[folder])
    assert (info.value.file, info.value.line) == (str(Path(folder) / "x.proto"), 3)


def test_proto_file_named_like_a_protoc_option_is_only_a_file(write_file: WriteFile, tmp_path: Path) -> None:
    write_file("opts/--descriptor_set_out=pwned.proto", 'syntax = "proto3";\nmessage A { int32 a = 1; }\n')
    path = write_file("s.textproto", "# proto-message: A\na: 5\n")
    assert parse_file(path, proto_file_dirs=[str(tmp_path / "opts")]) == {"a": 5}
    assert not list(tmp_path.rglob("pwned*"))


def test_missing_proto_folder_is_a_usage_error(write_file: WriteFile, tmp_path: Path) -> None:
    path = write_file("s.textproto", "# proto-message: A\n")
    with pytest.raises(UsageError, match="is not a folder"):
        parse_file(path, proto_file_dirs=[str(tmp_path / "missing")])


def test_cli_test_takes_comma_separated_proto_file_dirs(
    write_file: WriteFile, protos: str, tmp_path: Path
) -> None:
    write_file("other/empty.proto", 'syntax = "proto3";\n')
    path = write_file("s.textproto", "# proto-message: acme.cfg.Server\nport: 80\n")
    policy = write_file("policy/p.rego", 'package main\n\ndeny contains "plain port" if input.port == 80\n')
    dirs = f"{protos},{tmp_path / 'other'}"
    result = CliRunner().invoke(main, ["test", "-p", policy, "--proto-file-dirs", dirs, path])
    assert result.exit_code == 1, result.output
    assert "plain port" in result.output
