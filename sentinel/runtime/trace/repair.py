"""Cut a crash's truncated last line back to the last complete entry, saying what was removed.

Only an incomplete last line (no ``\\n``) is touched; anything else wrong is for ``verify`` to report.
The removed bytes are kept in ``<file>.truncated-<offset>`` so nothing disappears silently.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from sentinel.runtime.trace.checkpoint import checkpoints_path
from sentinel.runtime.trace.errors import TraceError

_CHUNK = 1 << 16


@dataclass(frozen=True)
class Repair:
    path: Path
    removed_bytes: int
    kept_bytes: int
    line: int | None
    saved_to: Path | None

    def describe(self) -> str:
        if not self.removed_bytes:
            return f"{self.path}: nothing to repair (the last line is complete)"
        return (
            f"{self.path}: removed the incomplete line {self.line} ({self.removed_bytes} bytes) after byte "
            f"{self.kept_bytes}; the removed bytes are saved in {self.saved_to}"
        )


def _last_newline_end(fd: int, size: int) -> int:
    """Offset just after the last ``\\n`` (0 if there is none)."""
    end = size
    while end > 0:
        start = max(0, end - _CHUNK)
        chunk = os.pread(fd, end - start, start)
        at = chunk.rfind(b"\n")
        if at >= 0:
            return start + at + 1
        end = start
    return 0


def _count_lines(fd: int, upto: int) -> int:
    count, offset = 0, 0
    while offset < upto:
        chunk = os.pread(fd, min(_CHUNK, upto - offset), offset)
        count += chunk.count(b"\n")
        offset += len(chunk)
    return count


def repair_file(path: str | os.PathLike[str]) -> Repair:
    target = Path(path)
    try:
        fd = os.open(target, os.O_RDWR | os.O_CLOEXEC)
    except OSError as exc:
        raise TraceError(f"cannot open: {exc.strerror}", file=str(target)) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise TraceError("a writer holds this file; stop it before repairing", file=str(target)) from exc
        size = os.fstat(fd).st_size
        if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
            return Repair(target, 0, size, None, None)
        keep = _last_newline_end(fd, size)
        saved = target.with_name(f"{target.name}.truncated-{keep}")
        out = os.open(saved, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            offset = keep
            while offset < size:
                chunk = os.pread(fd, min(_CHUNK, size - offset), offset)
                os.write(out, chunk)
                offset += len(chunk)
            os.fsync(out)
        finally:
            os.close(out)
        line = _count_lines(fd, keep) + 1
        os.ftruncate(fd, keep)
        os.fsync(fd)
        return Repair(target, size - keep, keep, line, saved)
    except FileExistsError as exc:
        raise TraceError("an earlier repair's saved bytes are in the way", file=str(exc.filename)) from exc
    except OSError as exc:
        raise TraceError(f"cannot repair: {exc.strerror}", file=str(target)) from exc
    finally:
        os.close(fd)


def repair_trace(path: str | os.PathLike[str]) -> list[Repair]:
    """Repair the trace and, if present, its checkpoint file."""
    results = [repair_file(path)]
    cps = checkpoints_path(path)
    if cps.exists():
        results.append(repair_file(cps))
    return results
