"""Git access for extractors: file lists, base revisions, diffs, old blobs.

Every function takes the repository root; nothing touches the working tree's checkout.

git runs as a plain child process (not through GitPython, which always hands the parent's whole
environment to git) so that every call is hardened the same way:

- no repository-controlled string is ever read as an option: revisions are validated and passed
  after ``--end-of-options``, object ids are hex we got from git, paths never reach the command line;
- the repository-local environment (``GIT_DIR``, ``GIT_INDEX_FILE``, ``GIT_CONFIG_PARAMETERS``...,
  set when we run inside a git hook) and ``GIT_EXTERNAL_DIFF`` are dropped, so git looks at ``root``;
- nothing git could execute on its own is honoured: no fsmonitor, no hooks, no pager, no network
  transport (a partial clone cannot lazily fetch), and diffs pass ``--no-ext-diff --no-textconv``
  so a committed ``.gitattributes`` naming a diff driver runs nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from sentinel.extractors.errors import ExtractorError

GIT_TIMEOUT_S = 300
SHALLOW_HINT = (
    "the clone is shallow and its history stops before the common ancestor: fetch more history "
    "(`git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout)"
)
_CONFIG = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "protocol.allow=never",
)
# `git rev-parse --local-env-vars`, plus variables that make git run or reshape a diff.
_DROPPED_ENV = frozenset({
    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT",
    "GIT_OBJECT_DIRECTORY", "GIT_DIR", "GIT_WORK_TREE", "GIT_IMPLICIT_WORK_TREE", "GIT_GRAFT_FILE",
    "GIT_INDEX_FILE", "GIT_NO_REPLACE_OBJECTS", "GIT_REPLACE_REF_BASE", "GIT_PREFIX",
    "GIT_INTERNAL_SUPER_PREFIX", "GIT_SHALLOW_FILE", "GIT_COMMON_DIR",
    "GIT_EXTERNAL_DIFF", "GIT_DIFF_OPTS", "GIT_PAGER", "PAGER", "GIT_ASKPASS", "SSH_ASKPASS",
})
_DIFF_FLAGS = (
    "--no-color", "--no-ext-diff", "--no-textconv", "--no-relative", "--ignore-submodules=dirty",
    "--src-prefix=a/", "--dst-prefix=b/", "-M",
)
_SHA_RE = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_UNSAFE_REV_RE = re.compile(r"[\x00-\x20\x7f]")


class GitError(ExtractorError):
    """A git operation failed (not a repository, unknown revision, no merge base)."""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env.update(LC_ALL="C", LANGUAGE="C", GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0")
    return env


def _run(root: Path, args: Sequence[str], stdin: bytes | None = None, ok: tuple[int, ...] = (0,)) -> bytes:
    """Run ``git args`` in ``root`` with the hardened options; stdout, or a GitError naming the command."""
    exe = shutil.which("git")
    if exe is None:
        raise GitError("git is not installed (or not on PATH)", file=str(root))
    cmd = [exe, "--no-pager", "-C", str(root)]
    for item in _CONFIG:
        cmd += ["-c", item]
    try:
        proc = subprocess.run(
            [*cmd, *args],
            input=stdin if stdin is not None else b"",
            capture_output=True,
            env=_env(),
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"`git {args[0]}` did not finish within {GIT_TIMEOUT_S} s", file=str(root)) from exc
    if proc.returncode not in ok:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[-1] if message else f"exit code {proc.returncode}"
        raise GitError(f"`git {args[0]}` failed: {detail}", file=str(root))
    return proc.stdout


def _text(data: bytes) -> str:
    """git output to text; file names that are not UTF-8 keep their bytes as surrogates (os.fsdecode)."""
    return data.decode("utf-8", "surrogateescape")


def is_repository(root: Path) -> bool:
    """Whether ``root`` is the top of a git work tree (a sub-folder of one is not).

    A ``.git`` that git refuses to use (dubious ownership, a broken repository) is an error, not
    "no repository": walking the folder instead would silently change what is selected.
    """
    if not (root / ".git").exists():
        return False
    top = _text(_run(root, ["rev-parse", "--show-toplevel"])).strip()
    return Path(top).resolve() == root.resolve()


def list_files(root: Path) -> list[str]:
    """Tracked files plus untracked files that are not ignored."""
    out = _text(_run(root, ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]))
    return [p for p in out.split("\0") if p]


def head_revision(root: Path) -> str | None:
    try:
        out = _run(root, ["rev-parse", "--verify", "--quiet", "--end-of-options", "HEAD^{commit}"])
    except GitError:
        return None
    return _text(out).strip() or None


def is_shallow(root: Path) -> bool:
    return _text(_run(root, ["rev-parse", "--is-shallow-repository"])).strip() == "true"


def resolve(root: Path, rev: str) -> str:
    """The full sha of the commit ``rev`` names, or a GitError naming it.

    A revision that begins with ``-`` or holds spaces or control characters is refused before git
    sees it (git would read ``--output=...`` as an option); the rest go after ``--end-of-options``.
    """
    if not rev or rev.startswith("-") or _UNSAFE_REV_RE.search(rev):
        raise GitError(f"base revision {rev!r} is not a revision name (it must not begin with '-' "
                       "or contain spaces or control characters)")
    out = _text(_run(root, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
                     ok=(0, 1))).strip()
    if not _SHA_RE.match(out):
        hint = f"; {SHALLOW_HINT}" if is_shallow(root) else ""
        raise GitError(f"base revision {rev!r} does not exist in this repository{hint}")
    return out


def merge_base(root: Path, base: str) -> str:
    """The merge base of ``base`` and HEAD: what diff_u0 and name_status compare against.

    No merge base (a shallow clone cut off above it, or unrelated histories) is an error: comparing
    against the base itself would count the base branch's own commits as the change's.
    """
    base_sha = resolve(root, base)
    out = _text(_run(root, ["merge-base", "--end-of-options", base_sha, "HEAD"], ok=(0, 1))).strip()
    if _SHA_RE.match(out):
        return out
    why = SHALLOW_HINT if is_shallow(root) else "the histories are unrelated"
    raise GitError(f"no merge base between base revision {base} ({base_sha[:12]}) and HEAD: {why}",
                   file=str(root))


def diff_u0(root: Path, base: str, *, merge_base_sha: str | None = None) -> str:
    """``git diff -U0 base...`` against the working tree: the diff-cover view of a change.

    Uses the merge base of ``base`` and HEAD, so commits on the base branch that the change
    does not contain are not counted as the change's own. A caller that already has it (from
    :func:`merge_base`) passes it as ``merge_base_sha`` and saves two git processes.
    """
    out = _run(root, ["diff", "-U0", *_DIFF_FLAGS, merge_base_sha or merge_base(root, base), "--"])
    return out.decode("utf-8", "replace")


def name_status(
    root: Path, base: str, *, merge_base_sha: str | None = None
) -> list[tuple[str, str, str | None]]:
    """(status letter, path, old path for renames) of every file changed since the merge base
    (``merge_base_sha`` as in :func:`diff_u0`)."""
    mb = merge_base_sha or merge_base(root, base)
    out = _text(_run(root, ["diff", "--name-status", "-z", *_DIFF_FLAGS, mb, "--"]))
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


def blobs_at(root: Path, rev: str, suffixes: tuple[str, ...]) -> dict[str, bytes]:
    """Every regular file at ``rev`` whose path ends with one of ``suffixes``: path -> bytes.

    One ``ls-tree`` and one ``cat-file --batch`` (object ids on stdin, never paths); symlinks
    and submodules are left out, as the working-tree selection leaves them out.
    """
    sha = resolve(root, rev)
    listing = _text(_run(root, ["ls-tree", "-r", "-z", "--full-tree", "--end-of-options", sha]))
    wanted: list[tuple[str, str]] = []
    for entry in listing.split("\0"):
        if not entry:
            continue
        meta, _, path = entry.partition("\t")
        mode, kind, oid = meta.split(" ")
        if kind == "blob" and mode in ("100644", "100755") and path.endswith(suffixes):
            wanted.append((path, oid))
    if not wanted:
        return {}
    data = _run(root, ["cat-file", "--batch"], stdin="".join(f"{oid}\n" for _, oid in wanted).encode())
    out: dict[str, bytes] = {}
    pos = 0
    for path, oid in wanted:
        header_end = data.index(b"\n", pos)
        header = data[pos:header_end].decode("ascii", "replace").split(" ")
        if len(header) != 3 or header[0] != oid:
            raise GitError(f"unexpected `git cat-file` output for {oid}: {' '.join(header)}", file=str(root))
        size = int(header[2])
        out[path] = data[header_end + 1 : header_end + 1 + size]
        pos = header_end + 1 + size + 1
    return out
