"""Changed-line coverage, computed the way diff-cover does.

diff-cover takes the lines added since the merge base (``git diff -U0``), keeps per file those
the coverage report measured, and counts as violations the measured ones not covered. A file is
listed only when it has measured changed lines; a file's percent is ``100 - violations /
measured * 100`` and the total is covered over measured across files. Where diff-cover prints
100% for a change without measured lines we report null: there was nothing to measure.
"""

from __future__ import annotations

from typing import Any

from sentinel.extractors.coverage.model import FileLines, percent


def changed_coverage(files: dict[str, FileLines], added: dict[str, list[int]]) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for path in sorted(added):
        lines = files.get(path)
        if lines is None:
            continue
        changed = set(added[path])
        measured = changed & lines.measured
        if not measured:
            continue
        missed = sorted(measured - lines.covered)
        covered = len(measured) - len(missed)
        rows.append(
            {
                "file": path,
                "line": missed[0] if missed else min(measured),
                "changed": len(changed),
                "measured": len(measured),
                "covered": covered,
                "missed": len(missed),
                "percent": percent(covered, len(measured)),
                "missed_lines": missed,
            }
        )
    measured_total = sum(r["measured"] for r in rows)
    covered_total = sum(r["covered"] for r in rows)
    return {
        "files": rows,
        "changed": sum(len(v) for v in added.values()),
        "measured": measured_total,
        "covered": covered_total,
        "missed": measured_total - covered_total,
        "percent": percent(covered_total, measured_total),
    }
