"""Parse only the parts of a Python source that matter: one function, one top-level statement.

The grimp engine does not build an ``ast`` for every file; for the few places it needs one
(an ``async def`` and the calls in it, a statement that may call an HTTP client) it parses
just that block. A block is found by indentation, with the string literals and comments of
the file located first so that text inside them never starts or ends a block. Any block that
does not parse on its own makes the caller parse the whole file, so results are always what
``ast`` says about the file.
"""

from __future__ import annotations

import ast
import bisect
import itertools
import re
from collections.abc import Iterator
from functools import lru_cache

from sentinel.extractors.pyast import parse as parse_python

# Comments and string literals (triple-quoted first), to tell code from text.
_STRING_OR_COMMENT = re.compile(
    r"#[^\n]*"
    r"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
    r'|"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'
    r"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'"
    r'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"',
    re.DOTALL,
)
# ``async def`` anywhere (a literal prefix makes the search fast); it starts a function when
# only blanks precede it on its line.
MAY_HAVE_ASYNC_DEF = re.compile(r"async[ \t]+def\b")
# Lines at the left margin that continue the statement above rather than start one.
_CONTINUATIONS = frozenset({"else", "elif", "except", "finally"})
# A line that starts at the left margin with code (its first word, or "@" for a decorator).
_MARGIN_CODE = re.compile(r"^(@|[^\s#)\]}@][^\s:(]*)", re.MULTILINE)


@lru_cache(maxsize=64)
def _dedent(width: int) -> re.Pattern[str]:
    """A line of code indented by at most ``width`` (so not inside a block opened at ``width``)."""
    return re.compile(r"^[ \t]{0,WIDTH}[^\s#)\]}]".replace("WIDTH", str(width)), re.MULTILINE)


class BlockError(Exception):
    """A block did not parse on its own."""


def split_lines(text: str) -> list[str]:
    """Lines with their ends, split where Python's tokenizer splits (``\\n``), unlike str.splitlines."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


class Source:
    """A source text with its lines, line offsets and (lazily) its strings and comments."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = split_lines(text)
        self.offsets = list(itertools.accumulate(map(len, self.lines), initial=0))
        self._matches = _STRING_OR_COMMENT.finditer(text)
        self._starts: list[int] = []
        self._ends: list[int] = []

    def in_string(self, offset: int) -> bool:
        """Whether ``offset`` is inside a string literal or comment (the scan runs only as far as asked)."""
        while not self._starts or self._starts[-1] <= offset:
            match = next(self._matches, None)
            if match is None:
                break
            self._starts.append(match.start())
            self._ends.append(match.end())
        index = bisect.bisect_right(self._starts, offset) - 1
        return index >= 0 and offset < self._ends[index]

    def line_index(self, offset: int) -> int:
        return bisect.bisect_right(self.offsets, offset) - 1

    def code_indent(self, index: int) -> int | None:
        """Indent of line ``index`` when it is code that could end a block; None otherwise."""
        line = self.lines[index]
        body = line.lstrip()
        if not body or body[0] in "#)]}":
            return None
        indent = len(line) - len(body)
        if self.in_string(self.offsets[index] + indent):
            return None
        return indent

    def parse(self, first: int, last: int, width: int) -> tuple[list[ast.stmt], int]:
        """The statements of lines ``first..last`` and the line offset to add to their lines."""
        segment = "".join(self.lines[first: last + 1])
        try:
            tree = parse_python("if 1:\n" + segment if width else segment, "<block>")
        except (SyntaxError, ValueError) as exc:
            raise BlockError(str(exc)) from exc
        if not width:
            return tree.body, first
        outer = tree.body[0] if tree.body else None
        if not isinstance(outer, ast.If):
            raise BlockError("not one block")
        return outer.body, first - 1

    def async_functions(self) -> Iterator[tuple[ast.AsyncFunctionDef, int]]:
        """Every ``async def`` (not in a string) parsed from its own lines, with its line offset."""
        for match in MAY_HAVE_ASYNC_DEF.finditer(self.text):
            first = self.line_index(match.start())
            width = match.start() - self.offsets[first]
            if self.lines[first][:width].strip(" \t"):
                continue
            if self.in_string(self.offsets[first] + width):
                continue
            end = len(self.lines)
            after = self.offsets[first + 1] if first + 1 < end else len(self.text)
            for candidate in _dedent(width).finditer(self.text, after):
                if not self.in_string(candidate.end() - 1):
                    end = self.line_index(candidate.start())
                    break
            body, offset = self.parse(first, end - 1, width)
            if not body or not isinstance(body[0], ast.AsyncFunctionDef):
                raise BlockError("not an async function")
            yield body[0], offset

    def top_level_statements(self, line_indexes: set[int]) -> Iterator[tuple[list[ast.stmt], int]]:
        """The top-level statements that contain the given (0-based) lines, each parsed once."""
        starts: list[int] = []
        previous_decorator = False
        for match in _MARGIN_CODE.finditer(self.text):
            if self.in_string(match.start()):
                continue
            word = match.group(1)
            is_decorator = word.startswith("@")
            if word not in _CONTINUATIONS and not previous_decorator:
                starts.append(self.line_index(match.start()))
            previous_decorator = is_decorator
        wanted = sorted({starts[bisect.bisect_right(starts, i) - 1] for i in line_indexes
                         if starts and starts[0] <= i})
        for first in wanted:
            position = bisect.bisect_right(starts, first)
            last = (starts[position] - 1) if position < len(starts) else len(self.lines) - 1
            yield self.parse(first, last, 0)
