"""``.gitignore`` and ``.dockerignore`` files: one entry per line, as in conftest."""

from __future__ import annotations

from typing import Any


def _trim_right_spaces(line: str) -> str:
    """Trailing spaces go unless escaped with a backslash (gitignore's rule)."""
    stripped = line.rstrip(" ")
    if stripped.endswith("\\") and len(stripped) < len(line):
        return stripped + " "
    return stripped


def _unescape(text: str) -> str:
    """Drop backslashes; ``\\\\`` stands for one backslash."""
    out: list[str] = []
    pos = 0
    while pos < len(text):
        if text[pos] != "\\":
            out.append(text[pos])
        elif pos + 1 < len(text) and text[pos + 1] == "\\":
            out.append("\\")
            pos += 1
        pos += 1
    return "".join(out)


def _entry(line: str) -> dict[str, str]:
    stripped = _trim_right_spaces(line)
    if stripped == "":
        return {"Kind": "Empty", "Value": line, "Original": line}
    if line.startswith("#"):
        return {"Kind": "Comment", "Value": stripped[1:].strip(), "Original": line}
    if line.startswith("!"):
        return {"Kind": "NegatedPath", "Value": _unescape(stripped[1:]), "Original": line}
    return {"Kind": "Path", "Value": _unescape(stripped), "Original": line}


class IgnoreParser:
    """``[[{"Kind", "Value", "Original"}, ...]]``: one document, the list of lines.

    Kinds are ``Path``, ``NegatedPath`` (``!pattern``), ``Comment`` and ``Empty``; lines are split
    on ``\\n`` exactly as conftest does (so a final newline gives a last ``Empty`` entry).
    No library is used: the format is one rule per line and conftest's Go parser is these rules.
    """

    name = "ignore"
    extensions: tuple[str, ...] = ("ignore", "gitignore", "dockerignore")

    def parse(self, text: str, filename: str) -> Any:
        text = text[1:] if text.startswith("\ufeff") else text
        return [[_entry(line) for line in text.split("\n")]]
