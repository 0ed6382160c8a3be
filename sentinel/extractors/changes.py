"""``changes`` kind: the files a change touches against a base revision, with their added lines.

No options. Files and statuses come from ``git diff --name-status -M <merge-base>`` and line
numbers from ``git diff -U0 -M <merge-base>`` against the working tree (committed, staged and
unstaged work: the view diff-cover takes), parsed with ``unidiff``. Untracked files are not part
of the change, as in diff-cover. Without a base revision the document says so (``compared``
false, ``base`` null) and lists nothing; the CLI decides whether that is an error.
Each changed source file lists the test files that import it or mirror its path
(``tested_by``, see ``extractors.changes_tests``).
"""

from __future__ import annotations

import ast
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import unidiff

from sentinel.extractors import gitrepo
from sentinel.extractors.base import ExtractContext, document, problem
from sentinel.extractors.changes_tests import tested_by
from sentinel.extractors.selection import printable_name, unsafe_name
from sentinel.extractors.testpaths import is_test_path

KIND = "changes"
NO_BASE_NOTE = "no base revision given; nothing to compare"


@dataclass
class FileDiff:
    """The added lines (new-file numbers, ascending) and line counts of one file in a diff."""

    added_lines: list[int] = field(default_factory=list)
    added: int = 0
    removed: int = 0
    binary: bool = False


def parse_diff(text: str) -> dict[str, FileDiff]:
    """``git diff -U0`` output -> new path (old path for deletions) -> FileDiff.

    Raises ``unidiff.UnidiffParseError`` on text that is not a unified diff.
    """
    out: dict[str, FileDiff] = {}
    for patched in unidiff.PatchSet(text):
        path = _git_path(patched.source_file if patched.is_removed_file else patched.target_file)
        entry = out.setdefault(path, FileDiff())
        entry.binary = entry.binary or patched.is_binary_file
        for hunk in patched:
            for line in hunk:
                if line.is_added and line.target_line_no is not None:
                    entry.added_lines.append(line.target_line_no)
                    entry.added += 1
                elif line.is_removed:
                    entry.removed += 1
        entry.added_lines = sorted(set(entry.added_lines))
    return out


def _git_path(raw: str) -> str:
    """``b/path`` or git's C-quoted ``"b/caf\\303\\251"`` -> ``path`` (UTF-8)."""
    text = raw.strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        with contextlib.suppress(ValueError, SyntaxError):
            # git quotes with C escapes (quote, backslash, tab, octal bytes): valid in a bytes literal.
            text = ast.literal_eval("b" + text).decode("utf-8", "replace")
    if text.startswith(("a/", "b/")):
        text = text[2:]
    return text


def added_lines(root: Path, base: str, *, merge_base_sha: str | None = None) -> dict[str, list[int]]:
    """Added line numbers per file since the merge base of ``base`` and HEAD (diff-cover's view);
    ``merge_base_sha`` as in :func:`gitrepo.diff_u0`."""
    diff = gitrepo.diff_u0(root, base, merge_base_sha=merge_base_sha)
    return {path: d.added_lines for path, d in parse_diff(diff).items() if d.added_lines}


def extract(ctx: ExtractContext) -> dict[str, Any]:
    if ctx.base is None:
        return document(
            ctx,
            KIND,
            base=None,
            merge_base=None,
            compared=False,
            note=NO_BASE_NOTE,
            files=[],
            totals=_totals([]),
        )
    sha = gitrepo.resolve(ctx.root, ctx.base)
    merge_base = gitrepo.merge_base(ctx.root, sha)
    rows = gitrepo.name_status(ctx.root, sha, merge_base_sha=merge_base)
    problems: list[dict[str, Any]] = []
    try:
        diffs = parse_diff(gitrepo.diff_u0(ctx.root, sha, merge_base_sha=merge_base))
    except unidiff.UnidiffParseError as exc:
        diffs = {}
        problems.append(problem(".", f"could not parse git diff output: {exc}", code="diff_parse"))
    files = []
    kept = [(s, p, o) for s, p, o in rows if not (unsafe_name(p) or (o is not None and unsafe_name(o)))]
    covering = tested_by(ctx, [p for s, p, _ in kept if s != "D"])
    for status, path, old_path in rows:
        if unsafe_name(path) or (old_path is not None and unsafe_name(old_path)):
            problems.append(problem(printable_name(path), "changed file's name holds control characters or "
                                    "bytes that are not UTF-8; left out", code="unsafe_name"))
            continue
        d = diffs.get(path, FileDiff())
        files.append(
            {
                "file": path,
                "line": d.added_lines[0] if d.added_lines else 1,
                "status": status,
                "old_path": old_path,
                "added_lines": d.added_lines,
                "added": d.added,
                "removed": d.removed,
                "binary": d.binary,
                "is_test": is_test_path(path),
                "tested_by": covering.get(path, []),
            }
        )
    return document(
        ctx,
        KIND,
        base=sha,
        merge_base=merge_base,
        compared=True,
        note=None,
        files=files,
        totals=_totals(files),
        problems=problems,
    )


def _totals(files: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "files": len(files),
        "added": sum(f["added"] for f in files),
        "removed": sum(f["removed"] for f in files),
        "test_files": sum(1 for f in files if f["is_test"]),
    }
