"""Sentinel's own Markdown report (GitHub-flavoured), for job summaries and PR comments.

A title, conftest's summary line, a table of failures and warnings counted by category and
severity (metadata ``category`` / ``severity``; ``uncategorised`` / ``unspecified`` when absent),
then one table each for failures, warnings and exceptions: location (``file:line``), rule id,
message and fix (metadata ``fix``). Table cells escape ``|``, turn line breaks into ``<br>`` and
HTML-escape message text, so no finding can break the table or inject markup.
"""

from __future__ import annotations

import html
import re
from collections import Counter

from sentinel.outputs.base import OutputOptions
from sentinel.outputs.common import line_number, posix_path, reject_report, silenced, summary_text, totals
from sentinel.runner.results import CheckResult, Result

TITLE = "# Sentinel policy report"
SEVERITY_ORDER = ("critical", "high", "error", "medium", "warning", "low", "info", "note")
_NEWLINES = re.compile(r"\r\n|\r|\n")


def text_cell(value: str) -> str:
    escaped = html.escape(value, quote=False).replace("|", "\\|")
    return _NEWLINES.sub("<br>", escaped)


def code_cell(value: str) -> str:
    """A code span: backticks inside lengthen the fence; ``|`` still needs GFM's table escape."""
    if not value:
        return ""
    value = _NEWLINES.sub(" ", value)
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}".replace("|", "\\|")


def _location(result: CheckResult, item: Result) -> str:
    file = result.filename
    if item.loc is not None and item.loc.file:
        file = item.loc.file
    line = line_number(item.loc)
    return f"{posix_path(file)}:{line}" if line else posix_path(file)


def _severity_key(severity: str) -> tuple[int, str]:
    lowered = severity.lower()
    rank = SEVERITY_ORDER.index(lowered) if lowered in SEVERITY_ORDER else len(SEVERITY_ORDER)
    return rank, lowered


class MarkdownOutputter:
    name = "markdown"

    def render(self, results: list[CheckResult], options: OutputOptions) -> str:
        reject_report(options)
        if silenced(results, options):
            return ""
        lines = [TITLE, "", f"**{summary_text(totals(results), options.show_skipped)}**", ""]

        counts: Counter[tuple[str, str]] = Counter()
        for result in results:
            for item in (*result.failures, *result.warnings):
                category = str(item.metadata.get("category") or "uncategorised")
                severity = str(item.metadata.get("severity") or "unspecified")
                counts[(category, severity)] += 1
        if not counts and not any(r.exceptions for r in results):
            lines += ["No failures, warnings or exceptions.", ""]
            return "\n".join(lines)
        if counts:
            lines += ["## Summary", "", "| Category | Severity | Count |", "| --- | --- | --- |"]
            ordered = sorted(counts.items(), key=lambda kv: (_severity_key(kv[0][1]), -kv[1], kv[0][0]))
            lines += [f"| {text_cell(c)} | {text_cell(s)} | {n} |" for (c, s), n in ordered]
            lines.append("")

        sections = (("Failures", "failures"), ("Warnings", "warnings"), ("Exceptions", "exceptions"))
        for heading, field in sections:
            rows = [(result, item) for result in results for item in getattr(result, field)]
            if not rows:
                continue
            lines += [f"## {heading} ({len(rows)})", "", "| Location | Rule | Message | Fix |",
                      "| --- | --- | --- | --- |"]
            for result, item in rows:
                fix = str(item.metadata.get("fix") or "")
                lines.append(
                    f"| {code_cell(_location(result, item))} | {code_cell(item.rule)} "
                    f"| {text_cell(item.msg)} | {text_cell(fix)} |"
                )
            lines.append("")
        return "\n".join(lines)
