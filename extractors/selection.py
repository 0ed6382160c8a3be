"""Which files of a repository the extractors look at."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pathspec

from extractors import gitrepo


def select_files(root: Path, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> list[str]:
    """Repository-relative POSIX paths, sorted.

    In a git repository: tracked files plus untracked files git does not ignore (so
    ``.gitignore``d files are skipped). Elsewhere: every regular file, skipping ``.git`` and
    following no symlinked directories (so symlink loops cannot recurse). ``include`` and
    ``exclude`` are gitwildmatch globs; an empty ``include`` selects everything.
    """
    candidates = gitrepo.list_files(root) if gitrepo.is_repository(root) else _walk(root)
    inc = pathspec.PathSpec.from_lines("gitwildmatch", include) if include else None
    exc = pathspec.PathSpec.from_lines("gitwildmatch", exclude) if exclude else None
    selected = []
    for rel in candidates:
        if inc is not None and not inc.match_file(rel):
            continue
        if exc is not None and exc.match_file(rel):
            continue
        full = root / rel
        if full.is_symlink() or not full.is_file():
            continue
        selected.append(rel)
    return sorted(set(selected))


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
