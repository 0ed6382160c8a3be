"""Atomic writes that never follow a symlink and never leave the place they are meant for.

Every output Sentinel writes goes through here. The repository is hostile: a committed symlink
(``.sentinel/inputs -> /elsewhere``, ``sentinel-results.json -> ~/.bashrc``) must not redirect a
write, and a configured folder such as ``.`` must not let Sentinel overwrite files it did not
write. So:

- relative paths resolve against an anchor (the working directory); with ``confine`` (any path
  that came from the repository's own configuration) nothing may resolve outside it;
- below the anchor every directory is opened with ``O_NOFOLLOW`` relative to its parent's
  descriptor, so a symlinked component is refused rather than followed, with no race between
  checking and writing;
- a file is written to a temporary name in its final directory, then renamed over the target
  (``os.replace``): readers see the old file or the new one, never half of one;
- a folder of outputs is Sentinel's only when it carries the :data:`MARKER` file, is empty, or
  holds nothing but files the caller recognises as its own (then the marker is added).

A path outside the anchor given by the user (command line, environment) is the user's choice:
the directories above the target that already exist are taken as the system resolves them; the
target itself and anything created below them are never followed. Needs ``dir_fd`` support
(Linux, macOS).
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from sentinel.errors import SentinelError

MARKER = ".sentinel-owned"
MARKER_TEXT = (
    "Signature: sentinel-owned-folder\n"
    "# Sentinel writes this folder; its files are replaced on every run. Do not commit it.\n"
)
TMP_SUFFIX = ".sentinel-tmp"
DEFAULT_MAX_READ = 64 * 1024 * 1024

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)

Recognise = Callable[[str, bytes], bool]


class UnsafeWriteError(SentinelError):
    """A write was refused: a symlink in the way, a foreign folder or file, or a path outside."""


@dataclass(frozen=True)
class Place:
    """Where writes may go. ``confine``: nothing outside ``anchor`` (paths from the repository)."""

    anchor: Path
    confine: bool = True


def _split(path: Path, place: Place) -> tuple[Path, list[str]]:
    """(a trusted directory to start from, the components to open below it without following)."""
    anchor = os.path.realpath(place.anchor)
    target = os.path.normpath(os.path.join(anchor, os.fspath(path)))
    if os.path.commonpath([anchor, target]) == anchor:
        rel = os.path.relpath(target, anchor)
        return Path(anchor), [] if rel == "." else rel.split(os.sep)
    if place.confine:
        raise UnsafeWriteError(
            "is outside the repository; a path from the configuration must stay inside it",
            file=str(path),
        )
    existing, last = os.path.split(target)
    missing = [last]
    while not os.path.isdir(existing):
        existing, name = os.path.split(existing)
        missing.insert(0, name)
    return Path(os.path.realpath(existing)), missing


def _lstat_at(dir_fd: int, name: str) -> os.stat_result | None:
    try:
        return os.lstat(name, dir_fd=dir_fd)
    except FileNotFoundError:
        return None


def _refuse(shown: str, why: str) -> UnsafeWriteError:
    return UnsafeWriteError(f"refusing to write: {why}", file=shown)


def _open_dir(start: Path, parts: list[str], create: bool, shown: str) -> int | None:
    """Open ``start/parts...`` without following a symlink below ``start``; None when a part is
    missing and ``create`` is off."""
    fd = os.open(start, _DIR_FLAGS)
    try:
        for part in parts:
            st = _lstat_at(fd, part)
            if st is None:
                if not create:
                    os.close(fd)
                    return None
                with suppress(FileExistsError):
                    os.mkdir(part, dir_fd=fd)
                st = os.lstat(part, dir_fd=fd)
            if stat.S_ISLNK(st.st_mode):
                raise _refuse(shown, f"{part!r} on the way is a symlink")
            if not stat.S_ISDIR(st.st_mode):
                raise _refuse(shown, f"{part!r} on the way is not a directory")
            try:
                child = os.open(part, _DIR_FLAGS | _NOFOLLOW, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise _refuse(shown, f"{part!r} on the way changed into a symlink") from exc
                raise
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def _check_replaceable(dir_fd: int, name: str, shown: str) -> os.stat_result | None:
    st = _lstat_at(dir_fd, name)
    if st is None:
        return None
    if stat.S_ISLNK(st.st_mode):
        raise _refuse(shown, "it is a symlink (Sentinel never writes through one)")
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(shown, "it exists and is not a regular file")
    return st


def _read_at(dir_fd: int, name: str, shown: str, max_bytes: int = DEFAULT_MAX_READ) -> bytes:
    fd = os.open(name, os.O_RDONLY | os.O_CLOEXEC | _NOFOLLOW, dir_fd=dir_fd)
    with os.fdopen(fd, "rb") as handle:
        if os.fstat(handle.fileno()).st_size > max_bytes:
            raise _refuse(shown, f"it exists and is over {max_bytes} bytes, too big to be Sentinel's")
        return handle.read(max_bytes + 1)


def _write_at(dir_fd: int, name: str, data: bytes, shown: str) -> None:
    tmp = f".{name}.{secrets.token_hex(6)}{TMP_SUFFIX}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | _NOFOLLOW, 0o666, dir_fd=dir_fd)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        _check_replaceable(dir_fd, name, shown)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp, dir_fd=dir_fd)
        raise


def _file_parts(path: Path, place: Place) -> tuple[Path, list[str], str]:
    start, parts = _split(path, place)
    if not parts:
        raise UnsafeWriteError("is a directory, not a file path", file=str(path))
    return start, parts[:-1], parts[-1]


def write_file(
    path: Path, data: bytes, place: Place, replaceable: Callable[[bytes], bool] | None = None
) -> None:
    """Write ``path`` atomically, creating missing directories, following no symlink below the
    anchor. An existing file is replaced only when ``replaceable`` (if given) accepts its bytes."""
    shown = str(path)
    start, dirs, name = _file_parts(path, place)
    dir_fd = _open_dir(start, dirs, create=True, shown=shown)
    assert dir_fd is not None
    try:
        existing = _check_replaceable(dir_fd, name, shown)
        if (
            existing is not None
            and replaceable is not None
            and not replaceable(_read_at(dir_fd, name, shown))
        ):
            raise _refuse(shown, "it exists and is not a file Sentinel wrote; move it away first")
        _write_at(dir_fd, name, data, shown)
    finally:
        os.close(dir_fd)


def remove_file(path: Path, place: Place, removable: Callable[[bytes], bool]) -> bool:
    """Remove ``path`` if it is a regular file ``removable`` accepts (True when removed). A symlink
    on the way or at ``path``, or a file that is not Sentinel's, is refused and left as it is."""
    shown = str(path)
    start, dirs, name = _file_parts(path, place)
    dir_fd = _open_dir(start, dirs, create=False, shown=shown)
    if dir_fd is None:
        return False
    try:
        if _check_replaceable(dir_fd, name, shown) is None:
            return False
        if not removable(_read_at(dir_fd, name, shown)):
            raise _refuse(shown, "it exists and is not a file Sentinel wrote; move it away first")
        os.unlink(name, dir_fd=dir_fd)
        return True
    finally:
        os.close(dir_fd)


class OwnedDir:
    """A folder Sentinel owns, open for atomic writes by name (see :func:`owned_dir`)."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd = fd

    def write(self, name: str, data: bytes) -> Path:
        if not name or "/" in name or name in (".", "..") or name == MARKER:
            raise UnsafeWriteError(f"invalid output name {name!r}", file=str(self.path))
        _write_at(self._fd, name, data, str(self.path / name))
        return self.path / name


def _claim(fd: int, shown: str, recognise: Recognise) -> None:
    marker = _lstat_at(fd, MARKER)
    if marker is not None:
        if stat.S_ISREG(marker.st_mode) and _read_at(fd, MARKER, shown).startswith(
            MARKER_TEXT.split("\n", 1)[0].encode()
        ):
            return
        raise _refuse(shown, f"its {MARKER} is not the marker Sentinel writes")
    foreign: list[str] = []
    for name in sorted(os.listdir(fd)):
        st = os.lstat(name, dir_fd=fd)
        if name.endswith(TMP_SUFFIX) and stat.S_ISREG(st.st_mode):
            continue
        if not (stat.S_ISREG(st.st_mode) and recognise(name, _read_at(fd, name, shown))):
            foreign.append(name)
    if foreign:
        listed = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise _refuse(
            shown,
            f"the folder holds files Sentinel did not write ({listed}); "
            "use an empty or new folder such as the default .sentinel/inputs",
        )
    _write_at(fd, MARKER, MARKER_TEXT.encode(), f"{shown}/{MARKER}")


@contextmanager
def owned_dir(path: Path, place: Place, recognise: Recognise) -> Iterator[OwnedDir]:
    """Open (creating it if needed) an output folder that is Sentinel's, or refuse.

    A folder is Sentinel's when it has the marker, or is new or empty, or holds only files that
    ``recognise(name, data)`` accepts (output of a version that wrote no marker); the marker is
    then added. Anything else (``--out .``) is refused before a single file is written.
    """
    shown = str(path)
    start, parts = _split(path, place)
    fd = _open_dir(start, parts, create=True, shown=shown)
    assert fd is not None
    try:
        _claim(fd, shown, recognise)
        yield OwnedDir(path, fd)
    finally:
        os.close(fd)
