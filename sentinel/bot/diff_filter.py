"""Which findings the bot reports on a pull request, like reviewdog's ``-filter-mode``.

- ``added`` (default): findings on lines the pull request adds or changes;
- ``diff_context``: findings on lines inside the diff's hunks, the three context lines included;
- ``file``: findings in files the pull request changes;
- ``nofilter``: every finding.

A finding left out is neither annotated nor commented and does not fail the gate; the comment
says how many were left out. Findings without a file (pull-request rules, repository-wide
problems) cannot be placed on a diff and are always kept; a finding without a line is kept when
its file changed. The diff comes from git (``git diff -U0`` against the merge base, as the
``changes`` kind reads it) or, without a usable local base, from the patches GitHub lists for
the pull request; a file whose patch GitHub leaves out (binary, too large) counts as changed on
every line. Without any diff nothing is filtered (showing too much is safer than hiding).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import unidiff

from sentinel.bot.findings import Finding
from sentinel.bot.github_port import PullFile
from sentinel.bot.settings import FILTER_MODES
from sentinel.extractors import gitrepo
from sentinel.extractors.changes import _git_path as git_path

MODES = FILTER_MODES

CONTEXT_LINES = 3


@dataclass(frozen=True)
class FileLines:
    """New-file line numbers of one changed file; ``known`` False when the patch is unavailable."""

    added: frozenset[int] = frozenset()
    context: frozenset[int] = frozenset()
    known: bool = True


@dataclass(frozen=True)
class PullDiff:
    files: dict[str, FileLines] = field(default_factory=dict)

    def keeps(self, finding: Finding, mode: str) -> bool:
        if mode == "nofilter" or not finding.file:
            return True
        lines = self.files.get(finding.file)
        if lines is None:
            return False
        if mode == "file" or finding.line is None or not lines.known:
            return True
        return finding.line in (lines.added if mode == "added" else lines.context)


def _file_lines(patched: unidiff.PatchedFile, zero_context: bool) -> FileLines:
    added: set[int] = set()
    context: set[int] = set()
    for hunk in patched:
        if zero_context:
            # ``-U0`` hunks: widen each by the context git would show (``-U3``).
            first = hunk.target_start if hunk.target_length else hunk.target_start + 1
            context.update(range(max(1, first - CONTEXT_LINES), first + hunk.target_length + CONTEXT_LINES))
        for line in hunk:
            if line.target_line_no is None:
                continue
            context.add(line.target_line_no)
            if line.is_added:
                added.add(line.target_line_no)
    return FileLines(frozenset(added), frozenset(context))


def from_git(root: Path, base: str) -> PullDiff:
    """The change since the merge base of ``base`` and HEAD, in the work tree at ``root``.

    Raises ``gitrepo.GitError`` (no such base, no merge base) or ``unidiff.UnidiffParseError``.
    """
    files: dict[str, FileLines] = {}
    for patched in unidiff.PatchSet(gitrepo.diff_u0(root, base)):
        if patched.is_removed_file:
            continue
        files[git_path(patched.target_file)] = _file_lines(patched, zero_context=True)
    return PullDiff(files)


def from_pull_files(pull_files: Iterable[PullFile]) -> PullDiff:
    """The diff GitHub lists for a pull request (``patch`` holds the hunks, ``-U3``)."""
    files: dict[str, FileLines] = {}
    for item in pull_files:
        if item.status == "removed":
            continue
        if item.patch is None:
            files[item.path] = FileLines(known=False)
            continue
        try:
            [patched] = unidiff.PatchSet(f"--- a/{item.path}\n+++ b/{item.path}\n{item.patch}\n")
        except (unidiff.UnidiffParseError, ValueError):
            files[item.path] = FileLines(known=False)
            continue
        files[item.path] = _file_lines(patched, zero_context=False)
    return PullDiff(files)


def apply(findings: list[Finding], mode: str, diff: PullDiff | None) -> tuple[list[Finding], int]:
    """The findings the mode keeps, and how many it left out (none without a diff)."""
    if diff is None or mode == "nofilter":
        return findings, 0
    kept = [f for f in findings if diff.keeps(f, mode)]
    return kept, len(findings) - len(kept)
