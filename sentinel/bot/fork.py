"""Feedback without write access: workflow-command annotations and the job summary.

On fork pull requests the ``pull_request`` token is read-only, so the bot prints
``::error file=...,line=...::message`` lines (GitHub turns them into annotations on the
run) and appends the comment's Markdown to ``$GITHUB_STEP_SUMMARY``. The gate still fails
on violations. See docs/github.md for the ``workflow_run`` pattern that posts the comment
from a trusted workflow.
"""

from __future__ import annotations

from pathlib import Path

from sentinel.bot.findings import Finding

STEP_SUMMARY_LIMIT = 1024 * 1024  # GitHub rejects a step summary over 1 MiB


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def workflow_command(finding: Finding, suggestion: list[str] | None = None) -> str:
    level = "error" if finding.blocking else ("notice" if finding.severity in ("info", "note") else "warning")
    props = []
    if finding.file:
        props.append(f"file={escape_property(finding.file)}")
        if finding.line:
            props.append(f"line={finding.line}")
    props.append(f"title={escape_property(f'{finding.rule} ({finding.severity})')}")
    message = finding.message + (f"\nHow to fix: {finding.fix}" if finding.fix else "")
    if suggestion:
        message += "\nSuggested change (replaces this line):\n" + "\n".join(suggestion)
    return f"::{level} {','.join(props)}::{escape_data(message)}"


def workflow_commands(
    findings: list[Finding], suggestions: dict[Finding, list[str]] | None = None
) -> list[str]:
    """One command per finding: on fork pull requests these stand in for the sticky comment's
    list and for the inline review comments, on the same lines (with the suggested change)."""
    found = suggestions or {}
    return [workflow_command(f, found.get(f)) for f in findings]


def write_step_summary(path: Path, markdown: str) -> None:
    """Append to the job summary, keeping the file under GitHub's 1 MiB limit."""
    try:
        used = path.stat().st_size
    except FileNotFoundError:
        used = 0
    room = STEP_SUMMARY_LIMIT - used - 1
    data = markdown.encode("utf-8")
    if len(data) > room:
        notice = "\n\n… (truncated: the job summary is limited to 1 MiB)\n".encode()
        data = data[: max(0, room - len(notice))].decode("utf-8", errors="ignore").encode("utf-8") + notice
    if room <= 0:
        return
    with path.open("ab") as handle:
        handle.write(data + b"\n")
