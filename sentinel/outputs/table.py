"""conftest's table output (output/table.go), as tablewriter v1 draws it by default.

Columns RESULT, FILE, NAMESPACE, MESSAGE; rows per result in conftest's order (successes,
exceptions, warnings, skipped, failures); light box-drawing borders, header centred (odd space
to the right), cells left-aligned with one space of padding, multi-line cells spread over
lines; nothing at all when there are no rows. Widths are display widths (East Asian wide
characters count two, combining marks none), as tablewriter measures them.

Hand-written: tabulate pads headers by two extra columns and prettytable cannot centre a
header over left-aligned cells, so neither reproduces tablewriter's output.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from sentinel.outputs.base import OutputOptions
from sentinel.outputs.common import reject_report, silenced
from sentinel.runner.results import CheckResult

HEADERS = ("RESULT", "FILE", "NAMESPACE", "MESSAGE")


class TableOutputter:
    name = "table"

    def render(self, results: list[CheckResult], options: OutputOptions) -> str:
        reject_report(options)
        if silenced(results, options):
            return ""
        rows: list[tuple[str, str, str, str]] = []
        for result in results:
            file, ns = result.filename, result.namespace
            rows += [("success", file, ns, "SUCCESS")] * result.successes
            rows += [("exception", file, ns, r.msg) for r in result.exceptions]
            rows += [("warning", file, ns, r.msg) for r in result.warnings]
            rows += [("skipped", file, ns, r.msg) for r in result.skipped]
            rows += [("failure", file, ns, r.msg) for r in result.failures]
        if not rows:
            return ""
        return draw(HEADERS, rows)


def width(text: str) -> int:
    if text.isascii():
        return len(text)
    total = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


def draw(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    cells = [[cell.strip().split("\n") for cell in row] for row in rows]
    widths = [width(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], *(width(line) for line in cell))

    def rule(left: str, mid: str, right: str) -> str:
        return left + mid.join("─" * (w + 2) for w in widths) + right

    def centre(text: str, w: int) -> str:
        space = w - width(text)
        return " " * (space // 2) + text + " " * (space - space // 2)

    def left(text: str, w: int) -> str:
        return text + " " * (w - width(text))

    header = "│" + "│".join(f" {centre(h, w)} " for h, w in zip(headers, widths, strict=True)) + "│"
    out = [rule("┌", "┬", "┐"), header, rule("├", "┼", "┤")]
    for row in cells:
        for n in range(max(len(cell) for cell in row)):
            parts = [left(cell[n] if n < len(cell) else "", w) for cell, w in zip(row, widths, strict=True)]
            out.append("│" + "│".join(f" {p} " for p in parts) + "│")
    out.append(rule("└", "┴", "┘"))
    return "\n".join(out) + "\n"
