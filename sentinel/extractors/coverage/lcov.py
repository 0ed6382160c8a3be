"""LCOV tracefiles (``lcov.info``, ``*.lcov``): ``SF:`` / ``DA:<line>,<hits>`` / ``end_of_record``.

Hand-written: the record format is a few line types (geninfo(1) documents them) and no
maintained Python library parses it. Record types other than SF, DA and end_of_record (TN, FN,
FNDA, BRDA, LF, LH, ...) are skipped: line coverage is computed from DA records.
"""

from __future__ import annotations

from sentinel.extractors.base import problem
from sentinel.extractors.coverage.model import ParsedReport


def parse(text: str, report: str) -> ParsedReport:
    out = ParsedReport()
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("SF:"):
            current = line[3:].strip() or None
            if current is None:
                out.problems.append(
                    problem(report, "SF record without a path", line=number, code="malformed_report")
                )
            else:
                out.lines_for(current)
        elif line == "end_of_record":
            current = None
        elif line.startswith("DA:"):
            if current is None:
                out.problems.append(
                    problem(report, "DA record outside an SF record", line=number, code="malformed_report")
                )
                continue
            parts = line[3:].split(",")
            try:
                lineno, hits = int(parts[0]), int(float(parts[1]))
            except (IndexError, ValueError):
                out.problems.append(
                    problem(report, f"malformed DA record {line!r}", line=number, code="malformed_report")
                )
                continue
            if lineno < 1:
                out.problems.append(
                    problem(
                        report, f"line number {lineno} is not positive", line=number, code="malformed_report"
                    )
                )
                continue
            fl = out.lines_for(current)
            fl.measured.add(lineno)
            if hits > 0:
                fl.covered.add(lineno)
    return out
