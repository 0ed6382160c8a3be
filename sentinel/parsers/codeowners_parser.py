"""GitHub CODEOWNERS files, read as conftest reads them (github.com/hmarr/codeowners).

The document is ``{"rules": [{"pattern", "owners": [{"type", "value"}], "comment", "lineNumber"}]}``
with owners typed ``username`` (``@name``, value without the ``@``), ``team`` (``@org/team``) or
``email``. Blank and comment lines give no rule; a file without rules gives ``{"rules": null}``,
as conftest does. The rules of the line scanner are hmarr/codeowners' ``parseRule``: positions in
error messages are 1-based byte offsets into the trimmed line, as there.
"""

from __future__ import annotations

import re
from typing import Any

from sentinel.parsers._common import fail, strip_bom

# Go's bufio.Scanner refuses a longer line ("token too long").
MAX_LINE_BYTES = 64 * 1024
_EMAIL = re.compile(r"[A-Z0-9a-z._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,6}")
_TEAM = re.compile(r"@([a-zA-Z0-9\-]+/[a-zA-Z0-9_\-]+)")
_USERNAME = re.compile(r"@([a-zA-Z0-9\-_]+)")
_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_PATTERN_CHARS = _ALNUM | frozenset("*?./@_+-:\\()|{}[]~^")
_OWNER_CHARS = _ALNUM | frozenset(".@/_%+-")
_WHITESPACE = frozenset(" \t\n")
# Go's unicode.IsSpace (strings.TrimSpace): Python's str.strip would also trim \x1c-\x1f.
_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
)


class _RuleError(ValueError):
    """A line that hmarr/codeowners refuses; the message is its wording."""


def _owner(text: str) -> dict[str, str]:
    if _EMAIL.fullmatch(text):
        return {"type": "email", "value": text}
    for kind, pattern in (("team", _TEAM), ("username", _USERNAME)):
        found = pattern.fullmatch(text)
        if found:
            return {"type": kind, "value": found.group(1)}
    raise _RuleError(f"invalid owner format '{text}'")


def _check_pattern(pattern: str) -> None:
    if "***" in pattern:
        raise _RuleError("pattern cannot contain three consecutive asterisks")


def _byte_offsets(text: str) -> list[tuple[int, str]]:
    """(byte offset, character) pairs, as Go's ``for i, ch := range s`` gives them."""
    pairs, offset = [], 0
    for char in text:
        pairs.append((offset, char))
        offset += len(char.encode("utf-8"))
    return pairs


def _rule(line: str) -> dict[str, Any]:
    pattern: str | None = None
    owners: list[dict[str, str]] = []
    comment = ""
    escaped = False
    buffer: list[str] = []
    for index, char in _byte_offsets(line):
        if char == "#":
            comment = line.encode("utf-8")[index + 1:].decode("utf-8").strip(_GO_SPACE)
            break
        if pattern is None:
            if char == "\\":
                escaped = True
                buffer.append(char)
                continue
            if char in _WHITESPACE and not escaped:
                pattern = "".join(buffer)
                _check_pattern(pattern)
                buffer = []
            elif char in _PATTERN_CHARS or escaped:
                buffer.append(char)
            else:
                raise _RuleError(f"unexpected character '{char}' at position {index + 1}")
            escaped = False
        elif char in _WHITESPACE:
            if buffer:
                text = "".join(buffer)
                try:
                    owners.append(_owner(text))
                except _RuleError as exc:
                    raise _RuleError(f"{exc} at position {index + 1 - len(text.encode('utf-8'))}") from None
                buffer = []
        elif char in _OWNER_CHARS:
            buffer.append(char)
        else:
            raise _RuleError(f"unexpected character '{char}' at position {index + 1}")
    if pattern is None:
        if not buffer:
            raise _RuleError("unexpected end of rule")
        pattern = "".join(buffer)
        _check_pattern(pattern)
    elif buffer:
        text = "".join(buffer)
        try:
            owners.append(_owner(text))
        except _RuleError as exc:
            position = len(line.encode("utf-8")) + 1 - len(text.encode("utf-8"))
            raise _RuleError(f"{exc} at position {position}") from None
    return {"pattern": pattern, "owners": owners, "comment": comment}


class CodeownersParser:
    """CODEOWNERS in conftest's shape (see the module docstring)."""

    name = "codeowners"
    extensions: tuple[str, ...] = ("codeowners",)

    def parse(self, text: str, filename: str) -> Any:
        rules: list[dict[str, Any]] = []
        for number, raw in enumerate(strip_bom(text).split("\n"), start=1):
            if len(raw.encode("utf-8")) > MAX_LINE_BYTES:
                raise fail(filename, f"invalid CODEOWNERS: line is over {MAX_LINE_BYTES} bytes", number)
            line = raw.removesuffix("\r").strip(_GO_SPACE)
            if not line or line.startswith("#"):
                continue
            try:
                rule = _rule(line)
            except _RuleError as exc:
                raise fail(filename, f"invalid CODEOWNERS: {exc}", number) from None
            rules.append({**rule, "lineNumber": number})
        return {"rules": rules or None}
