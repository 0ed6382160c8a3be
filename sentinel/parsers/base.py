"""The parser interface: bytes of one input file in, a JSON-compatible value out."""

from __future__ import annotations

from typing import Any, Protocol


class Parser(Protocol):
    """Parses one input format.

    ``parse`` returns the document as plain JSON-compatible Python values. Formats that hold
    several documents (multi-document YAML) return a list of them, and the runner then evaluates
    each element separately under the same file name, as conftest does for any top-level list.
    Raise ``sentinel.errors.ParseError`` with ``file`` and, when known, ``line`` on invalid input.
    """

    name: str
    extensions: tuple[str, ...]

    def parse(self, text: str, filename: str) -> Any: ...
