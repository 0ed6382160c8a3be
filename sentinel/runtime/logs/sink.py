"""The decision-log sink port and its file adapter (JSON Lines)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol


class DecisionLogSink(Protocol):
    """Where decision-log records go. ``write`` gets records in decision order, already masked.

    Called from one background thread only; an exception from ``write`` is counted and logged, never
    raised into a request.
    """

    def write(self, records: Sequence[Mapping[str, Any]]) -> None: ...

    def close(self) -> None: ...


def encode_line(record: Mapping[str, Any]) -> bytes:
    """One JSONL line: compact JSON, UTF-8, ``\\n``-terminated (JSON escapes any newline inside)."""
    return (json.dumps(record, separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n").encode()


class FileSink:
    """Appends records to a JSONL file.

    The file is opened with ``O_APPEND`` and each batch is one ``write(2)``, so several server workers
    appending to the same file never interleave inside a line. Mode 0600: records hold request inputs.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC
        self._fd: int | None = os.open(self.path, flags, 0o600)

    def write(self, records: Sequence[Mapping[str, Any]]) -> None:
        if self._fd is None:
            raise ValueError(f"{self.path}: sink is closed")
        data = b"".join(encode_line(r) for r in records)
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
