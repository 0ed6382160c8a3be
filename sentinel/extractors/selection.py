"""Which files of a repository the extractors look at.

A file name is repository-controlled: one holding a control character (a newline splits it into
two arguments or two lines wherever it is written one per line: protoc's argument file, GitHub
workflow commands, logs) or bytes that are not UTF-8 is never selected. It is recorded as unsafe,
and the ``files`` document reports it as an ``unsafe_name`` problem with the name escaped.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec
import pathspec.patterns

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


def select(
    root: Path, include: Sequence[str] = (), exclude: Sequence[str] = (), *, is_git: bool | None = None
) -> Selection:
    """Repository-relative POSIX paths, sorted.

    In a git repository: tracked files plus untracked files git does not ignore (so
    ``.gitignore``d files are skipped). Elsewhere: every regular file, skipping ``.git`` and
    following no symlinked directories (so symlink loops cannot recurse). ``include`` and
    ``exclude`` are gitwildmatch globs; an empty ``include`` selects everything. A file must be a
    regular file, not a symlink: one ``lstat`` on a plain string per candidate (pathlib objects
    and a second ``stat`` cost more than the rest of the selection). A caller that already asked
    :func:`gitrepo.is_repository` passes the answer as ``is_git`` and saves a git process.
    """
    if is_git is None:
        is_git = gitrepo.is_repository(root)
    candidates = gitrepo.list_files(root) if is_git else _walk(root)
    inc = GlobSet(include) if include else None
    exc = GlobSet(exclude) if exclude else None
    top = os.fspath(root).rstrip("/") + "/"
    # One scan of all names (``/`` is safe, so joining cannot make or hide an unsafe character):
    # almost always clean, and then no name needs its own check.
    any_unsafe = _UNSAFE_RE.search("/".join(candidates)) is not None
    selected: set[str] = set()
    unsafe: set[str] = set()
    for rel in candidates:
        if inc is not None and not inc.match(rel):
            continue
        if exc is not None and exc.match(rel):
            continue
        if any_unsafe and unsafe_name(rel):
            unsafe.add(rel)
            continue
        try:
            mode = os.lstat(top + rel).st_mode
        except (OSError, ValueError):
            continue
        if stat.S_ISREG(mode):
            selected.add(rel)
    return Selection(files=sorted(selected), unsafe=sorted(unsafe))


def refine(selection: Selection, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> Selection:
    """``selection`` narrowed by ``include``/``exclude`` globs: what :func:`select` with those globs
    gives, without listing and ``lstat``-ing the repository again."""
    inc = GlobSet(include) if include else None
    exc = GlobSet(exclude) if exclude else None

    def kept(rel: str) -> bool:
        return (inc is None or inc.match(rel)) and not (exc is not None and exc.match(rel))

    return Selection(files=[f for f in selection.files if kept(f)],
                     unsafe=[u for u in selection.unsafe if kept(u)])


def _walk(root: Path) -> list[str]:
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        folder = Path(dirpath).relative_to(root).as_posix()
        prefix = "" if folder == "." else folder + "/"
        out.extend(prefix + name for name in filenames)
    return out


class GlobSet:
    """gitwildmatch globs, matched the way ``pathspec.PathSpec.match_file`` matches them, faster.

    pathspec tries each pattern in turn in Python (the last match decides); over thousands of
    files and a handful of globs that is most of a selection's time. When no glob is negated
    (``!``) the last match is any match, so the patterns' regexes are joined into one and a file
    costs one ``re.match``. Globs holding ``(`` or ``<`` (which could put group syntax into the
    regex text) and negated globs keep pathspec's own matching.
    """

    def __init__(self, globs: Iterable[str]) -> None:
        self.spec = pathspec.PathSpec.from_lines("gitwildmatch", list(globs))
        self._regex = _joined_regex(self.spec)

    def match(self, path: str) -> bool:
        """Whether ``path`` (repository-relative, POSIX) matches: ``PathSpec.match_file``."""
        if self._regex is None:
            return self.spec.match_file(path)
        return self._regex.match(path[1:] if path.startswith("/") else path) is not None


def _joined_regex(spec: pathspec.PathSpec) -> re.Pattern[str] | None:
    """One regex matching what ``spec`` matches, or None when it cannot be joined exactly."""
    parts: list[str] = []
    for pattern in spec.patterns:
        if not isinstance(pattern, pathspec.patterns.GitWildMatchPattern):
            return None
        if pattern.include is None:  # a blank line or a comment: matches nothing
            continue
        glob, regex = getattr(pattern, "pattern", None), pattern.regex
        if not (pattern.include and isinstance(glob, str) and isinstance(regex.pattern, str)):
            return None
        if "(" in glob or "<" in glob or regex.flags & ~re.UNICODE:
            return None
        parts.append("(?:" + _NAMED_GROUP.sub("(?:", regex.pattern) + ")")
    if not parts:
        return re.compile(r"(?!)")  # no pattern: nothing matches
    return re.compile("|".join(parts))


# pathspec names a group in its gitwildmatch regexes (``(?P<ps_d>/)``); joined, the name repeats.
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


def matching(files: Sequence[str], globs: Sequence[str]) -> list[str]:
    """The files (repository-relative POSIX paths) that match any gitwildmatch glob."""
    spec = GlobSet(globs)
    return [f for f in files if spec.match(f)]
