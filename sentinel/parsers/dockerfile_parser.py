"""Dockerfiles in conftest's shape: one list of commands, each ``{Cmd, SubCmd, JSON, Flags, Value, Stage}``.

dockerfile-parse does the line work (continuations, the escape directive, comments, line
numbers). It gives each instruction's arguments as one string, while conftest (through
BuildKit's parser) splits them per instruction: ``FROM``/``EXPOSE`` on whitespace, ``ENV``/``LABEL``
into key, value, separator triples, ``RUN``/``CMD`` kept whole unless written as a JSON array, and
so on. That splitting follows BuildKit's rules below, so policies in the wild that read
``input[i].Value`` see the same values. Comments directly before an instruction become
``{"Cmd": "comment"}`` commands, as in conftest.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

from dockerfile_parse import DockerfileParser as _Lines

from sentinel.parsers._common import excerpt, fail, strip_bom

_WHITESPACE = re.compile(r"[ \t\r\n\v\f]+")
_HEREDOC = re.compile(r"<<(-?)\s*([\"']?)([A-Za-z_][A-Za-z0-9_.-]*)\2")
# BuildKit's instruction set; anything else is "unknown instruction", an error in conftest too.
_SPLIT_WHITESPACE = {"from", "expose"}
_JSON_OR_WHOLE = {"run", "cmd", "entrypoint", "shell"}
_JSON_OR_LIST = {"add", "copy", "volume"}
_WHOLE = {"maintainer", "stopsignal", "user", "workdir"}
_NAME_VALUE = {"env", "label"}
_KNOWN = (_SPLIT_WHITESPACE | _JSON_OR_WHOLE | _JSON_OR_LIST | _WHOLE | _NAME_VALUE
          | {"arg", "healthcheck", "onbuild"})
_HEREDOC_CAPABLE = {"run", "copy", "add"}
_DIRECTIVE = re.compile(r"^\s*#\s*([A-Za-z]+)\s*=\s*(\S*)\s*$")


class _NotStringArray(ValueError):
    pass


def _flags(rest: str) -> tuple[list[str], str]:
    """Leading ``--name=value`` words (BuildKit's builder flags) and the rest of the line."""
    flags: list[str] = []
    pos = 0
    while True:
        while pos < len(rest) and rest[pos].isspace():
            pos += 1
        if not rest.startswith("--", pos):
            return flags, rest[pos:]
        word, quote = "", ""
        while pos < len(rest) and (quote or not rest[pos].isspace()):
            ch = rest[pos]
            if quote and ch == quote:
                quote = ""
            elif not quote and ch in "'\"":
                quote = ch
            elif ch == "\\" and pos + 1 < len(rest):
                pos += 1
                word += rest[pos]
            else:
                word += ch
            pos += 1
        if word == "--":
            return flags, rest[pos:]
        flags.append(word)


def _words(rest: str, escape: str) -> list[str]:
    """Whitespace-separated words, quotes and escapes kept (BuildKit's parseWords)."""
    words: list[str] = []
    word, quote, in_word, blank_ok = "", "", False, False
    pos = 0
    while pos < len(rest):
        ch = rest[pos]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == escape and quote != "'" and pos + 1 < len(rest):
                word += ch
                pos += 1
                ch = rest[pos]
            word += ch
        elif ch.isspace():
            if in_word and (blank_ok or word):
                words.append(word)
            word, in_word, blank_ok = "", False, False
        else:
            in_word = True
            if ch in "'\"":
                quote, blank_ok = ch, True
            elif ch == escape:
                if pos + 1 == len(rest):
                    pos += 1
                    continue
                word += ch
                pos += 1
                ch = rest[pos]
            word += ch
        pos += 1
    if in_word and (blank_ok or word):
        words.append(word)
    return words


def _json_array(rest: str) -> list[str] | None:
    if not rest.startswith("["):
        return None
    try:
        parsed = json.loads(rest)
    except ValueError:
        return None
    if not isinstance(parsed, list):
        return None
    if not all(isinstance(s, str) for s in parsed):
        raise _NotStringArray("a JSON array of strings is required")
    return parsed


def _name_value(rest: str, cmd: str, escape: str) -> list[str]:
    words = _words(rest, escape)
    if not words:
        raise ValueError(f"{cmd.upper()} requires at least one argument")
    if "=" not in words[0]:
        parts = _WHITESPACE.split(rest.strip(), maxsplit=1)
        if len(parts) < 2:
            raise ValueError(f"{cmd.upper()} must have two arguments")
        return [parts[0], parts[1], ""]
    values: list[str] = []
    for word in words:
        if "=" not in word:
            raise ValueError(
                f"Syntax error - can't find = in {excerpt(word)!r}. Must be of the form: name=value"
            )
        key, value = word.split("=", 1)
        values += [key, value, "="]
    return values


def _arguments(cmd: str, rest: str, escape: str) -> tuple[list[str] | None, bool]:
    """(Value, JSON) for one instruction's arguments, as BuildKit's parser splits them."""
    rest = rest.strip()
    if cmd in _SPLIT_WHITESPACE:
        return (_WHITESPACE.split(rest) if rest else None), False
    if cmd in _WHOLE:
        return ([rest] if rest else None), False
    if cmd in _NAME_VALUE:
        return _name_value(rest, cmd, escape), False
    if cmd == "arg":
        return (_words(rest, escape) or None), False
    if cmd in _JSON_OR_WHOLE or cmd in _JSON_OR_LIST:
        array = _json_array(rest)
        if array is not None:
            return (array or None), True
        if not rest:
            return None, False
        return (_WHITESPACE.split(rest) if cmd in _JSON_OR_LIST else [rest]), False
    if cmd == "healthcheck":
        parts = _WHITESPACE.split(rest, maxsplit=1)
        if not parts[0]:
            return None, False
        inner, is_json = _arguments("cmd", parts[1] if len(parts) > 1 else "", escape)
        return [parts[0], *(inner or [])], is_json
    raise ValueError(f"unknown instruction: {_shown(cmd)}")


def _shown(instruction: str) -> str:
    """An unknown instruction as BuildKit names it (upper case), masked first: upper-casing a
    secret (``ghp_...``) hides it from the detectors without making it any less a secret."""
    return excerpt(instruction).upper()


def _check(cmd: str, value: list[str] | None, is_json: bool) -> None:
    """The argument checks of BuildKit's instruction parser that make conftest fail a file."""
    upper = cmd.upper()
    if not value and cmd not in {"cmd", "entrypoint"}:
        raise ValueError(f"{upper} requires at least one argument")
    if cmd == "from" and value and not (len(value) == 1 or (len(value) == 3 and value[1].lower() == "as")):
        raise ValueError("FROM requires either one or three arguments")
    if cmd in {"copy", "add"} and value is not None and len(value) < 2:
        raise ValueError(f"{upper} requires at least two arguments")
    if cmd == "shell" and not is_json:
        raise ValueError("SHELL requires the arguments to be in JSON form")


def _command(instruction: str, rest: str, escape: str) -> tuple[str, dict[str, Any]]:
    """(instruction, command) for one instruction, ``ONBUILD`` wrapping its sub-instruction."""
    cmd = instruction.lower()
    flags, rest = _flags(rest)
    if cmd not in _KNOWN:
        raise ValueError(f"unknown instruction: {_shown(instruction)}")
    command: dict[str, Any] = {"Cmd": cmd, "SubCmd": "", "JSON": False, "Flags": flags, "Value": None,
                               "Stage": 0}
    if cmd == "onbuild":
        parts = _WHITESPACE.split(rest.strip(), maxsplit=1)
        if not parts[0]:
            raise ValueError("ONBUILD requires at least one argument")
        sub, inner = _command(parts[0], parts[1] if len(parts) > 1 else "", escape)
        if sub in {"onbuild", "from", "maintainer"}:
            raise ValueError(f"{sub.upper()} isn't allowed as an ONBUILD trigger")
        command.update(SubCmd=sub, JSON=inner["JSON"], Value=inner["Value"])
        return cmd, command
    value, is_json = _arguments(cmd, rest, escape)
    _check(cmd, value, is_json)
    command.update(JSON=is_json, Value=value)
    return cmd, command


def _escape_token(lines: list[str]) -> str:
    """The ``# escape=`` parser directive, read only from the directive lines at the very top."""
    for line in lines:
        directive = _DIRECTIVE.match(line)
        if not directive:
            break
        if directive.group(1).lower() == "escape":
            return directive.group(2)
    return "\\"


def _heredoc_end(lines: list[str], after: int, value: str) -> int:
    """The last line a heredoc (``RUN <<EOF``) takes up, so its body is not read as instructions."""
    end = after
    for match in _HEREDOC.finditer(value):
        strip_tabs, word = match.group(1) == "-", match.group(3)
        for index in range(end + 1, len(lines)):
            body = lines[index].rstrip("\r\n")
            if (body.lstrip("\t") if strip_tabs else body) == word:
                end = index
                break
    return end


class DockerfileParser:
    """A Dockerfile as conftest gives it to policies: ``[[command, ...]]``.

    The outer list holds one document, the list of commands, so ``input`` in a policy is that
    list (``input[i].Cmd == "from"``), exactly as with conftest.
    """

    name = "dockerfile"
    extensions: tuple[str, ...] = ("dockerfile",)

    def parse(self, text: str, filename: str) -> Any:
        text = strip_bom(text)
        lines = text.splitlines(keepends=True)
        escape = _escape_token(lines)
        structure = _Lines(fileobj=io.BytesIO(text.encode("utf-8"))).structure
        commands: list[dict[str, Any]] = []
        pending: list[str] = []
        stages = 0
        skip_until = -1
        # Where the next instruction starts, for each entry: a comment listed before an instruction
        # that starts above it sits inside that (continued) instruction.
        next_start: list[int] = []
        upcoming = len(lines)
        for entry in reversed(structure):
            next_start.append(upcoming)
            if entry["instruction"] != "COMMENT":
                upcoming = entry["startline"]
        next_start.reverse()
        for index, entry in enumerate(structure):
            start = entry["startline"]
            if start <= skip_until:
                continue
            if entry["instruction"] == "COMMENT":
                if next_start[index] < start:
                    continue  # a comment inside a continued instruction: BuildKit drops it
                comment = entry["value"].strip()
                pending = [*pending, comment] if comment else []
                continue
            try:
                cmd, command = _command(entry["instruction"], entry["value"], escape)
            except ValueError as exc:
                raise fail(filename, f"invalid Dockerfile: {exc}", start + 1) from None
            if cmd in _HEREDOC_CAPABLE:
                skip_until = _heredoc_end(lines, entry["endline"], entry["value"])
            if cmd == "from":
                stages += 1
            stage = max(stages - 1, 0)
            for comment in pending:
                commands.append({"Cmd": "comment", "SubCmd": "", "JSON": False, "Flags": None,
                                 "Value": [comment], "Stage": stage})
            pending = []
            command["Stage"] = stage
            commands.append(command)
        return [commands]
