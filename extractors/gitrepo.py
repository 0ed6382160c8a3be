"""Git access for extractors (GitPython): file lists, base revisions, diffs, old blobs.

Every function takes the repository root; nothing touches the working tree's checkout.
"""

from __future__ import annotations

from pathlib import Path

import git as gitpython

from sentinel.errors import SentinelError


class GitError(SentinelError):
    """A git operation failed (not a repository, unknown revision)."""


def is_repository(root: Path) -> bool:
    try:
        gitpython.Repo(root, search_parent_directories=False)
    except (gitpython.InvalidGitRepositoryError, gitpython.NoSuchPathError):
        return False
    return True


def _repo(root: Path) -> gitpython.Repo:
    try:
        return gitpython.Repo(root, search_parent_directories=False)
    except (gitpython.InvalidGitRepositoryError, gitpython.NoSuchPathError) as exc:
        raise GitError("not a git repository (this extractor needs git history)", file=str(root)) from exc


def list_files(root: Path) -> list[str]:
    """Tracked files plus untracked files that are not ignored."""
    repo = _repo(root)
    out = repo.git.ls_files("-z", "--cached", "--others", "--exclude-standard")
    return [p for p in out.split("\0") if p]


def head_revision(root: Path) -> str | None:
    try:
        return _repo(root).head.commit.hexsha
    except (GitError, ValueError):
        return None


def resolve(root: Path, rev: str) -> str:
    """The full sha of ``rev``, or a GitError naming it."""
    repo = _repo(root)
    try:
        return repo.commit(rev).hexsha
    except (gitpython.BadName, ValueError, gitpython.GitCommandError) as exc:
        raise GitError(f"base revision {rev!r} does not exist in this repository") from exc


def show_file(root: Path, rev: str, path: str) -> bytes | None:
    """The bytes of ``path`` at ``rev``, or None when it did not exist there."""
    commit = _repo(root).commit(resolve(root, rev))
    try:
        blob = commit.tree / path
    except KeyError:
        return None
    data: bytes = blob.data_stream.read()
    return data


def files_at(root: Path, rev: str) -> list[str]:
    commit = _repo(root).commit(resolve(root, rev))
    return sorted(str(b.path) for b in commit.tree.traverse() if b.type == "blob")  # type: ignore[union-attr]


def diff_u0(root: Path, base: str) -> str:
    """``git diff -U0 base...`` against the working tree: the diff-cover view of a change.

    Uses the merge base of ``base`` and HEAD, so commits on the base branch that the change
    does not contain are not counted as the change's own.
    """
    repo = _repo(root)
    base_sha = resolve(root, base)
    merge_base = repo.git.merge_base(base_sha, "HEAD").strip() or base_sha
    out: str = repo.git.diff("-U0", "--no-color", "--no-ext-diff", "-M", merge_base)
    return out


def name_status(root: Path, base: str) -> list[tuple[str, str, str | None]]:
    """(status letter, path, old path for renames) of every file changed since the merge base."""
    repo = _repo(root)
    base_sha = resolve(root, base)
    merge_base = repo.git.merge_base(base_sha, "HEAD").strip() or base_sha
    out = repo.git.diff("--name-status", "-z", "-M", merge_base)
    parts = [p for p in out.split("\0") if p]
    rows: list[tuple[str, str, str | None]] = []
    i = 0
    while i < len(parts):
        status = parts[i]
        if status[0] in "RC":
            rows.append((status[0], parts[i + 2], parts[i + 1]))
            i += 3
        else:
            rows.append((status[0], parts[i + 1], None))
            i += 2
    return sorted(rows, key=lambda r: r[1])


def merge_base(root: Path, base: str) -> str:
    """The merge base of ``base`` and HEAD (what diff_u0 and name_status compare against)."""
    repo = _repo(root)
    base_sha = resolve(root, base)
    try:
        out: str = repo.git.merge_base(base_sha, "HEAD").strip()
    except gitpython.GitCommandError:
        out = ""
    return out or base_sha


def blobs_at(root: Path, rev: str, suffixes: tuple[str, ...]) -> dict[str, bytes]:
    """Every file at ``rev`` whose path ends with one of ``suffixes``: path -> bytes, in one tree walk."""
    commit = _repo(root).commit(resolve(root, rev))
    out: dict[str, bytes] = {}
    for item in commit.tree.traverse():
        path = str(item.path)  # type: ignore[union-attr]
        if item.type == "blob" and path.endswith(suffixes):  # type: ignore[union-attr]
            out[path] = item.data_stream.read()  # type: ignore[union-attr]
    return out
