"""Bundle archives: reproducible tar.gz writing and safe, in-memory, size-limited reading.

Writing: members sorted by name, mtime 0, uid/gid 0, no owner names, mode 0644, regular files only, and
a gzip header without file name or time, so the same files always give the same bytes.

Reading never touches the filesystem. It refuses what an attacker would use: ``..`` segments, names that
stay absolute after OPA's leading ``/`` (OPA writes ``/data.json``; that slash means "bundle root" and is
dropped), backslashes and drive letters, symlinks, hard links, devices, FIFOs, sparse files, duplicate
names, too many members, and more decompressed bytes than the limit (counted as gzip yields them, so a
gzip bomb stops at the limit whatever its headers claim).
"""

from __future__ import annotations

import gzip
import io
import re
import tarfile
import zlib
from collections.abc import Mapping

from sentinel.runtime.bundles.errors import ArchiveError
from sentinel.runtime.bundles.limits import Limits

_DRIVE = re.compile(r"^[A-Za-z]:")
_CHUNK = 64 * 1024
_GZIP_LEVEL = 6


class _BoundedGzip(io.RawIOBase):
    """The decompressed stream of ``data``; raises once more than ``limit`` bytes came out."""

    def __init__(self, data: bytes, limit: int) -> None:
        super().__init__()
        self._gzip = gzip.GzipFile(fileobj=io.BytesIO(data), mode="rb")
        self._limit = limit
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        wanted = _CHUNK if size is None or size < 0 else min(size, self._limit + 1 - self.count)
        chunk = self._gzip.read(max(wanted, 1))
        self.count += len(chunk)
        if self.count > self._limit:
            raise ArchiveError(
                "size_limit", f"the archive decompresses to more than {self._limit} bytes (gzip bomb?)"
            )
        return chunk


def normalize_name(raw: str, limits: Limits) -> str:
    """The bundle-relative name of a tar member, or ArchiveError when it could escape or is ambiguous."""
    try:
        encoded = raw.encode("utf-8")
    except UnicodeEncodeError:
        raise ArchiveError("bad_name", "a member name is not valid UTF-8") from None
    if len(encoded) > limits.max_name_bytes:
        raise ArchiveError("name_too_long", f"a member name is longer than {limits.max_name_bytes} bytes")
    if "\x00" in raw or "\\" in raw:
        raise ArchiveError("bad_name", f"member {raw[:200]!r} holds a NUL or a backslash")
    name = raw[1:] if raw.startswith("/") else raw
    if name.startswith("/") or _DRIVE.match(name):
        raise ArchiveError("absolute_path", f"member {raw[:200]!r} is an absolute path")
    name = name.removeprefix("./").rstrip("/")
    parts = name.split("/")
    if ".." in parts:
        raise ArchiveError("path_traversal", f"member {raw[:200]!r} climbs out of the bundle with '..'")
    if not name or any(part in ("", ".") for part in parts):
        raise ArchiveError("bad_name", f"member {raw[:200]!r} has an empty or '.' path segment")
    return name


def _check_type(member: tarfile.TarInfo, name: str) -> None:
    if member.issym() or member.islnk():
        raise ArchiveError("link_member", f"member {name!r} is a link; bundles hold regular files only")
    if member.ischr() or member.isblk() or member.isfifo():
        raise ArchiveError("special_member", f"member {name!r} is a device or FIFO")
    if member.issparse():
        raise ArchiveError("special_member", f"member {name!r} is a sparse file")
    if not (member.isreg() or member.isdir()):
        raise ArchiveError("special_member", f"member {name!r} has an unsupported tar type {member.type!r}")


def read_archive(data: bytes, limits: Limits | None = None) -> dict[str, bytes]:
    """The regular files of a tar.gz bundle, by bundle-relative name, in archive order."""
    limits = limits or Limits()
    if len(data) > limits.max_archive_bytes:
        raise ArchiveError("size_limit", f"the archive is larger than {limits.max_archive_bytes} bytes")
    if not data.startswith(b"\x1f\x8b"):
        raise ArchiveError("not_gzip", "the bundle is not a gzip file")
    stream = _BoundedGzip(data, limits.max_total_bytes)
    files: dict[str, bytes] = {}
    directories: set[str] = set()
    members = 0
    try:
        with tarfile.open(fileobj=stream, mode="r|", errors="surrogateescape") as tar:
            for member in tar:
                members += 1
                if members > limits.max_files:
                    raise ArchiveError(
                        "too_many_files", f"the archive holds more than {limits.max_files} members"
                    )
                if member.isdir() and member.name.strip("/") in ("", "."):
                    continue  # the archive's root folder ("./" from `tar -C dir .`)
                name = normalize_name(member.name, limits)
                _check_type(member, name)
                if member.isdir():
                    directories.add(name)
                    continue
                if name in files:
                    raise ArchiveError("duplicate_name", f"member {name!r} appears more than once")
                if member.size > limits.max_file_bytes:
                    raise ArchiveError(
                        "size_limit", f"member {name!r} is larger than {limits.max_file_bytes} bytes"
                    )
                handle = tar.extractfile(member)
                content = handle.read() if handle is not None else b""
                if len(content) != member.size:
                    raise ArchiveError("corrupt_archive", f"member {name!r} is truncated")
                files[name] = content
    except ArchiveError:
        raise
    except (tarfile.TarError, OSError, EOFError, zlib.error, ValueError) as exc:
        raise ArchiveError("corrupt_archive", f"the archive cannot be read: {type(exc).__name__}") from None
    for name in files:
        parents = [name[:i] for i, char in enumerate(name) if char == "/"]
        if name in directories or any(parent in files for parent in parents):
            raise ArchiveError("duplicate_name", f"{name!r} is both a file and a directory")
    return files


def write_archive(files: Mapping[str, bytes]) -> bytes:
    """A reproducible tar.gz of ``files`` (bundle-relative names): same files, same bytes."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT, encoding="utf-8") as tar:
        for name in sorted(files):
            content = files[name]
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mtime = 0
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.type = tarfile.REGTYPE
            tar.addfile(info, io.BytesIO(content))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=_GZIP_LEVEL) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()
