"""Which files of a repository the extractors look at.

A file name is repository-controlled: one holding a control character (a newline splits it into
two arguments or two lines wherever it is written one per line: protoc's argument file, GitHub
workflow commands, logs) or bytes that are not UTF-8 is never selected. It is recorded as unsafe,
and the ``files`` document reports it as an ``unsafe_name`` problem with the name escaped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec

from sentinel.extractors import gitrepo

# C0 controls, DEL, C1 controls, the Unicode line and paragraph separators, and the surrogates
# that stand for bytes that are not UTF-8 (os.fsdecode's surrogateescape).
_UNSAFE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


@dataclass(frozen=True)
class Selection:
    """The selected files, and the names refused as unsafe (never opened or passed to a tool)."""

    files: list[str]
    unsafe: list[str]


def unsafe_name(name: str) -> bool:
    """Whether ``name`` holds a control character or bytes that are not UTF-8."""
    return _UNSAFE_RE.search(name) is not None


def printable_name(name: str) -> str:
    """``name`` with every unsafe character escaped (``\\n``, ``\\x1b``, ``\\xff`` for a raw byte)."""

    def escape(m: re.Match[str]) -> str:
        ch = m.group()
        if "\udc80" <= ch <= "\udcff":
            return f"\\x{ord(ch) - 0xDC00:02x}"
        return ch.encode("unicode_escape").decode("ascii")

    return _UNSAFE_RE.sub(escape, name)


def select_files(root: Path, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> list[str]:
    """The safe files of :func:`select`."""
    return select(root, include, exclude).files


def select(root: Path, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> Selection:
    """Repository-relative POSIX paths, sorted.

    In a git repository: tracked files plus untracked files git does not ignore (so
    ``.gitignore``d files are skipped). Elsewhere: every regular file, skipping ``.git`` and
    following no symlinked directories (so symlink loops cannot recurse). ``include`` and
    ``exclude`` are gitwildmatch globs; an empty ``include`` selects everything.
    """
    candidates = gitrepo.list_files(root) if gitrepo.is_repository(root) else _walk(root)
    inc = pathspec.PathSpec.from_lines("gitwildmatch", include) if include else None
    exc = pathspec.PathSpec.from_lines("gitwildmatch", exclude) if exclude else None
    selected: set[str] = set()
    unsafe: set[str] = set()
    for rel in candidates:
        if inc is not None and not inc.match_file(rel):
            continue
        if exc is not None and exc.match_file(rel):
            continue
        if unsafe_name(rel):
            unsafe.add(rel)
            continue
        full = root / rel
        if full.is_symlink() or not full.is_file():
            continue
        selected.add(rel)
    return Selection(files=sorted(selected), unsafe=sorted(unsafe))


def _walk(root: Path) -> list[str]:
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            out.append(Path(dirpath, name).relative_to(root).as_posix())
    return out


def matching(files: Sequence[str], globs: Sequence[str]) -> list[str]:
    """The files (repository-relative POSIX paths) that match any gitwildmatch glob."""
    spec = pathspec.PathSpec.from_lines("gitwildmatch", globs)
    return [f for f in files if spec.match_file(f)]
