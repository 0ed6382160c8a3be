"""Append-only trace writer: batches of lines, flushed and fsynced per batch, checkpoints every N entries.

One writer holds an exclusive ``flock`` on the file. Opening an existing trace resumes it from the last
checkpoint's hints (byte offset and Merkle frontier, checked against the signed root) and reads only
the entries after it; a file whose last line is truncated is refused until ``repair`` has run.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import orjson

from sentinel.runtime.trace.checkpoint import (
    MAX_CHECKPOINT_BYTES,
    Checkpoint,
    CheckpointFormatError,
    Signer,
    checkpoints_path,
    parse_checkpoint,
)
from sentinel.runtime.trace.entry import MAX_ENTRY_BYTES, build_body
from sentinel.runtime.trace.errors import TraceError
from sentinel.runtime.trace.hashing import GENESIS_PREV_HASH, encode_entry, split_line
from sentinel.runtime.trace.merkle import Frontier


@dataclass
class ChainHead:
    """Where the next entry goes: its seq, the hash it links to, the tree so far, the file's length."""

    seq: int
    prev_hash: str
    frontier: Frontier
    offset: int


class TraceWriter:
    """Appends v2 entries to ``path`` and signed checkpoints to ``path.checkpoints``.

    Entries go through the write buffer as they come; every ``batch_size`` entries the buffer is
    flushed and fsynced (1 = fsync per entry), so a crash loses at most the unsynced batch and leaves
    at most a truncated last line. A checkpoint is
    signed every ``checkpoint_every`` entries (at the end of the batch that reaches it) and on close.
    ``buffer_size`` is the write buffer in bytes (``None``: Python's default); ``max_write`` bounds
    each ``write(2)`` (``None``: no bound), as some network file systems do, so a crash can split a line.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        signer: Signer,
        *,
        batch_size: int = 100,
        checkpoint_every: int = 1000,
        buffer_size: int | None = None,
        max_write: int | None = None,
    ) -> None:
        if batch_size < 1 or checkpoint_every < 1 or (max_write is not None and max_write < 1):
            raise ValueError("batch_size, checkpoint_every and max_write must be at least 1")
        self.path = Path(path)
        self.checkpoints_path = checkpoints_path(self.path)
        self._signer = signer
        self._batch_size = batch_size
        self._checkpoint_every = checkpoint_every
        self._lock = threading.Lock()
        self._pending = 0  # entries in the write buffer, not yet fsynced
        flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC
        fd = os.open(self.path, flags, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            raise TraceError("another writer holds this trace", file=str(self.path)) from exc
        try:
            self._head = _resume(self.path, fd)
            cp_fd = os.open(self.checkpoints_path, flags, 0o600)
            cp_size = os.fstat(cp_fd).st_size
            if cp_size and os.pread(cp_fd, 1, cp_size - 1) != b"\n":
                os.close(cp_fd)
                raise TraceError(
                    "the last checkpoint line is truncated; run `sentinel trace repair` first",
                    file=str(self.checkpoints_path),
                )
        except BaseException:
            os.close(fd)
            raise
        self._file = _open_buffered(fd, buffer_size, max_write)
        self._cp_fd = cp_fd
        self._checkpointed = _last_checkpoint_size(self.checkpoints_path)
        self._closed = False
        self._last_written: Checkpoint | None = None

    @property
    def size(self) -> int:
        """Entries written or pending."""
        return self._head.seq

    def append(
        self,
        payload: Mapping[str, Any],
        *,
        risk_level: str = "unknown",
        policy_version: str = "unknown",
        session_tags: list[str] | tuple[str, ...] = (),
        evaluation_duration_ms: float = 0,
        entry_id: str | None = None,
    ) -> str:
        """Add one entry (written with its batch); returns its ``entry_hash``."""
        with self._lock:
            if self._closed:
                raise TraceError("trace writer is closed", file=str(self.path))
            head = self._head
            if entry_id is None:
                entry_id = hashlib.sha256(f"{head.prev_hash}:{head.seq}".encode()).hexdigest()[:32]
            body = build_body(
                payload,
                seq=head.seq,
                prev_hash=head.prev_hash,
                entry_id=entry_id,
                risk_level=risk_level,
                policy_version=policy_version,
                session_tags=session_tags,
                evaluation_duration_ms=evaluation_duration_ms,
            )
            line, digest = encode_entry(body)
            if len(line) > MAX_ENTRY_BYTES:
                raise ValueError(f"trace entry of {len(line)} bytes exceeds the {MAX_ENTRY_BYTES} byte limit")
            self._file.write(line)
            self._pending += 1
            head.seq += 1
            head.prev_hash = digest
            head.frontier.append(bytes.fromhex(digest))
            head.offset += len(line)
            if self._pending >= self._batch_size:
                self._flush_locked()
            return digest

    def flush(self) -> None:
        """Write and fsync the pending batch now."""
        with self._lock:
            self._flush_locked()

    def checkpoint(self) -> Checkpoint | None:
        """Flush, then sign a checkpoint at the current size (None when nothing is new)."""
        with self._lock:
            self._flush_locked(force_checkpoint=True)
            return self._last_written

    def close(self) -> None:
        """Flush, checkpoint what is new, release the file."""
        with self._lock:
            if self._closed:
                return
            try:
                self._flush_locked(force_checkpoint=True)
            finally:
                self._closed = True
                self._file.close()
                os.close(self._cp_fd)

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _flush_locked(self, *, force_checkpoint: bool = False) -> None:
        if self._pending:
            self._pending = 0
            self._file.flush()
            os.fsync(self._file.fileno())
        size = self._head.seq
        due = size - self._checkpointed >= self._checkpoint_every
        if size > self._checkpointed and (due or force_checkpoint):
            self._write_checkpoint()

    def _write_checkpoint(self) -> None:
        head = self._head
        resume = {"offset": head.offset, "frontier": [h.hex() for h in head.frontier.hashes()]}
        cp = self._signer.sign(head.seq, head.frontier.root(), head.prev_hash, resume=resume)
        line = cp.to_line()
        view = memoryview(line)
        while view:
            view = view[os.write(self._cp_fd, view) :]
        os.fsync(self._cp_fd)
        self._checkpointed = head.seq
        self._last_written = cp


class _BoundedRaw(io.RawIOBase):
    """A file descriptor whose writes take at most ``limit`` bytes per system call."""

    def __init__(self, fd: int, limit: int) -> None:
        self._fd = fd
        self._limit = limit

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def write(self, data: Any) -> int:
        return os.write(self._fd, memoryview(data)[: self._limit])

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


def _open_buffered(fd: int, buffer_size: int | None, max_write: int | None) -> BinaryIO:
    if max_write is None:
        return os.fdopen(fd, "ab", buffering=-1 if buffer_size is None else buffer_size)
    return io.BufferedWriter(_BoundedRaw(fd, max_write), buffer_size or io.DEFAULT_BUFFER_SIZE)


def _last_checkpoint_line(path: Path) -> bytes | None:
    try:
        with path.open("rb") as fh:
            end = fh.seek(0, os.SEEK_END)
            start = max(0, end - 2 * MAX_CHECKPOINT_BYTES)
            fh.seek(start)
            tail = fh.read()
    except FileNotFoundError:
        return None
    lines = tail.split(b"\n")
    complete = lines[:-1] if len(lines) > 1 else []
    return complete[-1] if complete else None


def _last_checkpoint(path: Path) -> Checkpoint | None:
    line = _last_checkpoint_line(path)
    if line is None:
        return None
    try:
        return parse_checkpoint(orjson.loads(line))
    except (orjson.JSONDecodeError, CheckpointFormatError):
        return None


def _last_checkpoint_size(path: Path) -> int:
    cp = _last_checkpoint(path)
    return cp.tree_size if cp else 0


def _start_from_checkpoint(path: Path, file_size: int, fd: int) -> ChainHead | None:
    """The head at the last checkpoint if its unsigned resume hints agree with its signed root."""
    cp = _last_checkpoint(checkpoints_path(path))
    if cp is None:
        return None
    offset = cp.resume.get("offset")
    hashes = cp.resume.get("frontier")
    if not isinstance(offset, int) or not 0 < offset <= file_size or not isinstance(hashes, list):
        return None
    try:
        frontier = Frontier(cp.tree_size, [bytes.fromhex(h) for h in hashes])
    except (ValueError, TypeError):
        return None
    if frontier.root().hex() != cp.root_hash or os.pread(fd, 1, offset - 1) != b"\n":
        return None
    return ChainHead(cp.tree_size, cp.last_entry_hash, frontier, offset)


def _resume(path: Path, fd: int) -> ChainHead:
    size = os.fstat(fd).st_size
    if size == 0:
        return ChainHead(0, GENESIS_PREV_HASH, Frontier(), 0)
    if os.pread(fd, 1, size - 1) != b"\n":
        raise TraceError(
            "the last line is truncated (a crash mid-write?); run `sentinel trace repair` first",
            file=str(path),
        )
    head = _start_from_checkpoint(path, size, fd) or ChainHead(0, GENESIS_PREV_HASH, Frontier(), 0)
    with open(fd, "rb", closefd=False) as fh:
        fh.seek(head.offset)
        while True:
            line = fh.readline(MAX_ENTRY_BYTES + 1)
            if not line:
                break
            _continue_chain(path, head, line)
    return head


def _continue_chain(path: Path, head: ChainHead, line: bytes) -> None:
    where = f"entry after seq {head.seq - 1}" if head.seq else "first entry"
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        message = f"cannot resume: {where} is not JSON; run `sentinel trace verify`"
        raise TraceError(message, file=str(path)) from exc
    if isinstance(doc, dict) and "schema_version" not in doc:
        head.offset += len(line)
        return
    parts = split_line(line)
    ok = (
        parts is not None
        and isinstance(doc, dict)
        and doc.get("seq") == head.seq
        and doc.get("prev_hash") == head.prev_hash
        and hashlib.sha256(parts[0]).hexdigest() == parts[1]
    )
    if not ok or parts is None:
        raise TraceError(
            f"cannot resume: {where} does not continue the chain; run `sentinel trace verify`", file=str(path)
        )
    head.seq += 1
    head.prev_hash = parts[1]
    head.frontier.append(bytes.fromhex(parts[1]))
    head.offset += len(line)

