"""coverage.py's JSON report (``coverage json``): ``files.<path>.executed_lines`` / ``missing_lines``.

Parsed with ``json``: the format is documented and stable (``meta.format`` 2 and 3 both carry
these keys). Measured lines are executed plus missing; excluded lines are not measured.
"""

from __future__ import annotations

import json
from typing import Any

from sentinel.extractors.base import deepest_line, problem
from sentinel.extractors.coverage.model import FileLines, ParsedReport


def parse(text: str, report: str) -> ParsedReport:
    out = ParsedReport()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        out.problems.append(
            problem(report, f"invalid JSON: {exc.msg}", line=exc.lineno, code="malformed_report")
        )
        return out
    except RecursionError:
        line = deepest_line(text)
        out.problems.append(
            problem(report, "JSON nested too deeply to read", line=line, code="malformed_report")
        )
        return out
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        out.problems.append(
            problem(
                report, 'not a coverage.py JSON report: no "files" object', line=1, code="malformed_report"
            )
        )
        return out
    for path, entry in files.items():
        lines = _lines(entry)
        if lines is None:
            out.problems.append(
                problem(
                    report,
                    f"file entry {path!r} lacks integer executed_lines/missing_lines",
                    line=_line_of(text, path),
                    code="malformed_report",
                )
            )
            continue
        executed, missing = lines
        fl = out.lines_for(path)
        fl.merge(FileLines(measured=executed | missing, covered=executed))
    return out


def _lines(entry: Any) -> tuple[set[int], set[int]] | None:
    if not isinstance(entry, dict):
        return None
    executed, missing = entry.get("executed_lines"), entry.get("missing_lines")
    if not isinstance(executed, list) or not isinstance(missing, list):
        return None
    if not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in executed + missing):
        return None
    return set(executed), set(missing)


def _line_of(text: str, key: str) -> int:
    """The line where ``key`` first appears as a JSON string (1 when it cannot be found)."""
    at = text.find(json.dumps(key))
    return text.count("\n", 0, at) + 1 if at >= 0 else 1
