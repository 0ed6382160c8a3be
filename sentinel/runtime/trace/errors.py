"""The trace's user-facing error: the CLI prints it as one line and exits 2."""

from __future__ import annotations

from sentinel.errors import SentinelError


class TraceError(SentinelError):
    """A trace or checkpoint file could not be read, written, migrated or proved."""
