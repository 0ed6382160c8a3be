"""``sentinel check --new-only --base REV``: only failures the change introduces block.

The base side is the merge base of REV and HEAD (the commit the change starts from, as the
``changes`` kind compares against). Its tracked regular files are copied out of git's object
store into a temporary folder (no checkout, no hooks, no filters, no symlinks: the content is
attacker-controlled and only ever read as data), the same extractors, policies and configuration
run over that copy, and each failure at HEAD whose line-independent fingerprint
(``sentinel.fingerprint``) is among the base's failures is reported as an exception, the way a
baseline does, with ``metadata.existing_at_base`` naming the commit.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path, PurePosixPath

from sentinel.errors import SentinelError
from sentinel.extractors import gitrepo
from sentinel.fingerprint import result_fingerprints
from sentinel.runner.results import CheckResult, Result


def base_commit(root: Path, rev: str) -> str:
    """The commit the change starts from: the merge base of ``rev`` and HEAD."""
    return gitrepo.merge_base(root, rev)


def _safe_relative(path: str) -> PurePosixPath:
    parts = PurePosixPath(path).parts
    if (
        not parts
        or path.startswith("/")
        or any(part in ("", ".", "..") or part.lower() == ".git" or "\0" in part for part in parts)
    ):
        raise SentinelError(f"refusing to export a tree entry with an unsafe path: {path!r}")
    return PurePosixPath(*parts)


def export_tree(root: Path, commit: str, dest: Path) -> int:
    """Write every regular file of ``commit`` under ``dest`` (an empty folder); the file count.

    Object ids and paths come from git's own listing, read through the hardened runner of
    ``sentinel.extractors.gitrepo``; a path that could leave ``dest`` is refused.
    """
    blobs = gitrepo.blobs_at(root, commit, ("",))
    for name, data in blobs.items():
        target = dest.joinpath(*_safe_relative(name).parts)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("xb") as handle:
                handle.write(data)
        except OSError as exc:
            raise SentinelError(f"cannot export {name!r} of base commit {commit[:12]}: {exc}") from exc
    return len(blobs)


def failure_fingerprints(results: list[CheckResult], root: Path) -> set[str]:
    return set(result_fingerprints([item for r in results for item in r.failures], root))


def hide_existing(
    results: list[CheckResult], existing: set[str], root: Path, commit: str
) -> tuple[list[CheckResult], int]:
    """Failures whose fingerprint is in ``existing`` become exceptions; the results and how many."""
    located = [(ri, item) for ri, result in enumerate(results) for item in result.failures]
    prints = result_fingerprints([item for _, item in located], root)
    keep: dict[int, list[Result]] = {}
    hidden: dict[int, list[Result]] = {}
    for (ri, item), fingerprint in zip(located, prints, strict=True):
        if fingerprint in existing:
            meta = {**item.metadata, "existing_at_base": commit}
            hidden.setdefault(ri, []).append(replace(item, metadata=meta))
        else:
            keep.setdefault(ri, []).append(item)
    out = [
        replace(result, failures=keep.get(ri, []), exceptions=[*result.exceptions, *hidden.get(ri, [])])
        if ri in hidden
        else result
        for ri, result in enumerate(results)
    ]
    return out, sum(len(items) for items in hidden.values())


def hidden_notice(count: int, commit: str) -> str:
    return (
        f"{count} failure{'s' if count != 1 else ''} already present at base {commit[:12]} "
        "reported as exceptions (--new-only)"
    )
