"""Errors that the CLI turns into exit code 2 with one clear line."""

from __future__ import annotations


class SentinelError(Exception):
    """A user-facing error: bad input, broken policy, missing config.

    `file` and `line` locate the cause when it is known; the message is printed as
    ``file:line: message`` so editors and CI logs can jump to it.
    """

    def __init__(self, message: str, file: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def __reduce__(self) -> tuple[type[SentinelError], tuple[str, str | None, int | None]]:
        # Keep file and line when the error crosses a process boundary (parallel workers).
        return (type(self), (self.message, self.file, self.line))

    def __str__(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}: {self.message}"
        if self.file:
            return f"{self.file}: {self.message}"
        return self.message


class UsageError(SentinelError):
    """Wrong flags or arguments."""


class ParseError(SentinelError):
    """An input file could not be parsed."""


class PolicyError(SentinelError):
    """A policy could not be loaded, compiled or evaluated."""
