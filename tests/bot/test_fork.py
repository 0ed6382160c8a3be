"""Fork fallback: workflow commands (escaped as the runner expects) and the job summary."""

from __future__ import annotations

from pathlib import Path

from sentinel.bot.findings import Finding
from sentinel.bot.fork import STEP_SUMMARY_LIMIT, workflow_command, write_step_summary


def test_a_blocking_finding_is_an_error_command_with_file_and_line() -> None:
    finding = Finding("secrets.aws", "secrets", "error", "AWS key", True, "a.py", 3, fix="Rotate it")
    assert (
        workflow_command(finding)
        == "::error file=a.py,line=3,title=secrets.aws (error)::AWS key%0AHow to fix: Rotate it"
    )


def test_properties_and_data_are_escaped() -> None:
    finding = Finding("r", "c", "warning", "100% broken\r\nhere", False, "dir,x/a:b.py", 1)
    line = workflow_command(finding)
    assert line.startswith("::warning file=dir%2Cx/a%3Ab.py,line=1,")
    assert line.endswith("::100%25 broken%0D%0Ahere")


def test_info_findings_are_notices() -> None:
    assert workflow_command(Finding("r", "c", "info", "m", False)).startswith("::notice title=")


def test_the_step_summary_is_appended(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    path.write_text("earlier step\n")
    write_step_summary(path, "## Sentinel")
    assert path.read_text() == "earlier step\n## Sentinel\n"


def test_the_step_summary_stays_under_one_mebibyte(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    write_step_summary(path, "x" * (2 * STEP_SUMMARY_LIMIT))
    assert path.stat().st_size <= STEP_SUMMARY_LIMIT
    assert path.read_text().rstrip().endswith("limited to 1 MiB)")
