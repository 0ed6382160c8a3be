"""The extractors' own errors, so the extract stage depends on nothing above it.

The CLI prints them as it prints its own errors (``file:line: message``, exit code 2).
"""

from __future__ import annotations


class ExtractorError(Exception):
    """A repository or option that the extractors cannot turn into facts; ``file``/``line`` locate it."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def __reduce__(self) -> tuple[type[ExtractorError], tuple[str, str | None, int | None]]:
        # Keep file and line when the error crosses a process boundary (parallel extraction).
        return (type(self), (self.message, self.file, self.line))

    def __str__(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}: {self.message}"
        if self.file:
            return f"{self.file}: {self.message}"
        return self.message


class ExtractorUsageError(ExtractorError):
    """Wrong extractor options (unknown kind, bad option type, bad glob)."""
