"""Errors that the CLI turns into exit code 2 with one clear line."""

from __future__ import annotations

from sentinel.located_error import LocatedError


class SentinelError(LocatedError):
    """A user-facing error: bad input, broken policy, missing config (``file``/``line`` locate it)."""


class UsageError(SentinelError):
    """Wrong flags or arguments."""


class ParseError(SentinelError):
    """An input file could not be parsed."""


class PolicyError(SentinelError):
    """A policy could not be loaded, compiled or evaluated."""
