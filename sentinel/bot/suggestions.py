"""GitHub suggested changes, for the few rules whose fix is mechanical and safe.

A suggestion replaces the commented line with new lines; the author applies it with one click,
so it must be right without judgement. A rule gets one only when its fix follows from the finding
alone and cannot change behaviour: docs/github.md lists the rules and why the others get none
(secrets, TODO ticket ids, logging rewrites, tests: each needs a person's decision).

``protocol.field_removed_without_reserve``: the finding points at the ``message X {`` line of
the head version and its message ends with the statements to add (``reserved 2; reserved
"email";``). The suggestion keeps that line and adds one statement per line below it. Every
piece is checked with a strict pattern; anything unexpected means no suggestion.

The head version's lines come from the work tree, and only when it is checked out at the pull
request's head commit (a ``workflow_run`` job that checks out the base branch gets none).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

from sentinel.bot.findings import Finding

# The longest source file a suggestion reads; longer files get none.
MAX_FILE_BYTES = 1024 * 1024
MAX_LINE_CHARS = 1_000

LineSource = Callable[[str, int], str | None]
Suggester = Callable[[Finding, str], list[str] | None]

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_STATEMENT = rf'reserved (?:[0-9]{{1,9}}|"{_IDENT}");'
_RESERVE = re.compile(rf"Add to message ({_IDENT}(?:\.{_IDENT})*): ((?:{_STATEMENT} ?){{1,2}})$")
_MESSAGE_LINE = re.compile(rf"^([ \t]*)message[ \t]+({_IDENT})[ \t]*\{{[ \t]*(?://.*)?$")


def reserve_removed_field(finding: Finding, line: str) -> list[str] | None:
    """``message User {`` -> the same line, then ``  reserved 2;`` and ``  reserved "email";``."""
    wanted = _RESERVE.search(finding.message.strip())
    head = _MESSAGE_LINE.match(line)
    if wanted is None or head is None or wanted[1].rsplit(".", 1)[-1] != head[2]:
        return None
    indent = head[1] + ("\t" if head[1].startswith("\t") else "  ")
    return [line] + [indent + s for s in re.findall(_STATEMENT, wanted[2])]


SUGGESTERS: dict[str, Suggester] = {
    "protocol.field_removed_without_reserve": reserve_removed_field,
}


def suggest(finding: Finding, lines: LineSource | None) -> list[str] | None:
    """The replacement lines for the finding's line, or None (no rule, no line, no safe fix)."""
    suggester = SUGGESTERS.get(finding.rule)
    if suggester is None or lines is None or not finding.file or finding.line is None:
        return None
    text = lines(finding.file, finding.line)
    if text is None:
        return None
    return suggester(finding, text)


def block(lines: list[str]) -> str:
    """A ```suggestion block whose fence is longer than any backtick run in the lines."""
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}suggestion\n" + "\n".join(lines) + f"\n{fence}"


class WorkTree:
    """Lines of files in a checkout at the pull request's head commit.

    Paths come from findings, which come from results an attacker may have written: a path
    that is absolute, climbs out, passes through a symlink or names anything but a regular
    file of at most ``MAX_FILE_BYTES`` yields nothing.
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._cache: dict[str, list[str] | None] = {}

    def __call__(self, path: str, line: int) -> str | None:
        if path not in self._cache:
            self._cache[path] = self._read(path)
        lines = self._cache[path]
        if lines is None or not 1 <= line <= len(lines):
            return None
        text = lines[line - 1]
        return text if len(text) <= MAX_LINE_CHARS else None

    def _read(self, path: str) -> list[str] | None:
        parts = path.split("/")
        if not path or path.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in path:
            return None
        current = self.root
        for part in parts:
            current = current / part
            try:
                mode = os.lstat(current).st_mode
            except OSError:
                return None
            if stat.S_ISLNK(mode):
                return None
        if not stat.S_ISREG(mode) or os.stat(current).st_size > MAX_FILE_BYTES:
            return None
        try:
            text = current.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        return text.splitlines()
