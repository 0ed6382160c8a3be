from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sentinel.errors import ParseError
from sentinel.parsers import parse_file

WriteFile = Callable[[str, str | bytes], str]


def command(cmd: str, value: list[str] | None, *, flags: list[str] | None = None, stage: int = 0,
            json: bool = False, sub: str = "") -> dict[str, Any]:
    return {"Cmd": cmd, "SubCmd": sub, "JSON": json, "Flags": [] if flags is None else flags,
            "Value": value, "Stage": stage}


def commands(write_file: WriteFile, text: str, name: str = "Dockerfile") -> list[dict[str, Any]]:
    parsed = parse_file(write_file(name, text))
    assert isinstance(parsed, list) and len(parsed) == 1, "one document: the list of commands"
    result: list[dict[str, Any]] = parsed[0]
    return result


def test_instructions_become_conftest_commands(write_file: WriteFile) -> None:
    text = "FROM golang:1.22 AS build\nCOPY --from=x --chown=a:b . /src\nUSER app\n"
    assert commands(write_file, text) == [
        command("from", ["golang:1.22", "AS", "build"]),
        command("copy", [".", "/src"], flags=["--from=x", "--chown=a:b"]),
        command("user", ["app"]),
    ]


def test_shell_form_run_keeps_the_whole_command_with_continuations_joined(write_file: WriteFile) -> None:
    cmds = commands(write_file, "FROM a\nRUN apt-get update && \\\n    apt-get install -y curl\n")
    assert cmds[1] == command("run", ["apt-get update &&     apt-get install -y curl"])


def test_exec_form_is_split_and_marked_json(write_file: WriteFile) -> None:
    cmds = commands(write_file, 'FROM a\nCMD ["./app", "--port", "80"]\n')
    assert cmds[1] == command("cmd", ["./app", "--port", "80"], json=True)


def test_env_gives_key_value_separator_triples(write_file: WriteFile) -> None:
    cmds = commands(write_file, 'FROM a\nENV A=1 B="two words"\nENV C d e\n')
    assert cmds[1]["Value"] == ["A", "1", "=", "B", '"two words"', "="]
    assert cmds[2]["Value"] == ["C", "d e", ""]


def test_commands_carry_their_build_stage(write_file: WriteFile) -> None:
    cmds = commands(write_file, "ARG V=1\nFROM a AS one\nRUN x\nFROM b\nRUN y\n")
    stages = [(c["Cmd"], c["Stage"]) for c in cmds]
    assert stages == [("arg", 0), ("from", 0), ("run", 0), ("from", 1), ("run", 1)]


def test_comments_before_an_instruction_become_comment_commands(write_file: WriteFile) -> None:
    cmds = commands(write_file, "FROM a\n# first stage done\n\n# second\nFROM b\n# trailing\n")
    assert cmds == [
        command("from", ["a"]),
        {"Cmd": "comment", "SubCmd": "", "JSON": False, "Flags": None, "Value": ["first stage done"],
         "Stage": 1},
        {"Cmd": "comment", "SubCmd": "", "JSON": False, "Flags": None, "Value": ["second"], "Stage": 1},
        command("from", ["b"], stage=1),
    ]


def test_onbuild_names_its_trigger_as_subcommand(write_file: WriteFile) -> None:
    cmds = commands(write_file, "FROM a\nONBUILD RUN make\n")
    assert cmds[1] == command("onbuild", ["make"], sub="run")


def test_heredoc_body_is_not_read_as_instructions(write_file: WriteFile) -> None:
    cmds = commands(write_file, "FROM a\nRUN <<EOF\napt-get update\nnot an instruction\nEOF\nUSER app\n")
    assert [c["Cmd"] for c in cmds] == ["from", "run", "user"]


def test_dockerfile_is_detected_by_name_prefix_and_extension(write_file: WriteFile) -> None:
    for name in ("Dockerfile", "Dockerfile.dev", "api.dockerfile"):
        assert commands(write_file, "FROM a\n", name) == [command("from", ["a"])]


def test_unknown_instruction_names_file_and_line(write_file: WriteFile) -> None:
    path = write_file("Dockerfile", "FROM a\nRUN x\nFETCH http://example.invalid\n")
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert (info.value.file, info.value.line) == (path, 3)
    assert "unknown instruction: FETCH" in info.value.message


def test_from_with_two_words_is_an_error(write_file: WriteFile) -> None:
    with pytest.raises(ParseError, match="FROM requires either one or three arguments"):
        parse_file(write_file("Dockerfile", "FROM a b\n"))


def test_comment_inside_a_continued_instruction_is_dropped(write_file: WriteFile) -> None:
    cmds = commands(write_file, "FROM a\nRUN make \\\n    # explain\n    install\n")
    assert cmds == [command("from", ["a"]), command("run", ["make     install"])]
