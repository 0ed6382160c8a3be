"""``sentinel verify --report`` against ``conftest verify --report``: OPA's test reporter on both
sides, so the same tests, outcomes, print() text and explanations; timings differ run to run, and
conftest's test order comes from Go maps, so lines are compared as sorted lists. conftest also
quotes the failing expression's source line (its FailureLine option), which ``opa test`` lacks."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentinel.cli import main

CASE = Path(__file__).resolve().parent / "corpus" / "verify_report"
TRACE = re.compile(r"^\s+(query:\d+|\S+\.rego:\d+)\s{2,}")
TIMING = re.compile(r" \([0-9.]+[µmn]?s\)")


def _lines(text: str) -> list[str]:
    return sorted(TIMING.sub("", line).rstrip() for line in text.splitlines() if line.strip())


@pytest.mark.parametrize("mode", ["fails", "notes", "full"])
def test_report_matches_conftest(mode: str, conftest_bin: str, opa_bin: str, monkeypatch) -> None:
    monkeypatch.chdir(CASE)
    monkeypatch.setenv("SENTINEL_OPA", opa_bin)
    theirs = subprocess.run(
        [conftest_bin, "verify", "-p", "policy", "--report", mode, "--no-color"],
        capture_output=True, text=True, check=False,
    )
    ours = CliRunner().invoke(main, ["verify", "-p", "policy", "--report", mode, "--no-color"])
    assert (ours.exit_code, theirs.returncode) == (1, 1), ours.output
    expected = _lines(theirs.stdout)
    # conftest's FailureLine block: "policy/main.rego:17:" and the source line under it.
    failure_line = ["policy/main.rego:17:", 'count(deny) == 0 with input as {"bad": true}']
    expected = [line for line in expected if line.strip() not in failure_line]
    if mode == "full":
        # Full traces name the compiler's generated locals, numbered differently by conftest's
        # compile and opa test's: compare everything but the trace lines.
        expected = [line for line in expected if not TRACE.match(line)]
        assert [line for line in _lines(ours.stdout) if not TRACE.match(line)] == expected
    else:
        assert _lines(ours.stdout) == expected
    assert "  hello 1" in ours.stdout and "  in failing" in ours.stdout


def test_report_needs_opa(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.chdir(CASE)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("SENTINEL_OPA", str(tmp_path / "missing-opa"))
    result = CliRunner().invoke(main, ["verify", "-p", "policy", "--report", "fails"])
    assert result.exit_code == 2
    assert "go install github.com/open-policy-agent/opa" in result.output
