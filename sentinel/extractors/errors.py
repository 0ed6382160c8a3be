"""The extractors' own errors, so the extract stage depends on nothing above it.

The CLI prints them as it prints its own errors (``file:line: message``, exit code 2).
"""

from __future__ import annotations

from sentinel.located_error import LocatedError


class ExtractorError(LocatedError):
    """A repository or option that the extractors cannot turn into facts; ``file``/``line`` locate it."""


class ExtractorUsageError(ExtractorError):
    """Wrong extractor options (unknown kind, bad option type, bad glob)."""
