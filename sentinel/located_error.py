"""The one base of every user-facing error: a message, and the file and line that caused it.

Both the CLI's errors (:mod:`sentinel.errors`) and the extractors' own (:mod:`sentinel.extractors.errors`)
derive from it, so the extract stage depends on nothing above it and the CLI prints both the same way.
"""

from __future__ import annotations


class LocatedError(Exception):
    """``file`` and ``line`` locate the cause when known; printed as ``file:line: message`` so editors and
    CI logs can jump to it."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def __reduce__(self) -> tuple[type[LocatedError], tuple[str, str | None, int | None]]:
        # Keep file and line when the error crosses a process boundary (parallel workers).
        return (type(self), (self.message, self.file, self.line))

    def __str__(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}: {self.message}"
        if self.file:
            return f"{self.file}: {self.message}"
        return self.message
