"""The outputter interface: a list of CheckResult in, text out (one module per format)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sentinel.runner.results import CheckResult


@dataclass(frozen=True)
class OutputOptions:
    no_color: bool = False
    show_skipped: bool = False
    # "test" for policy results, "verify" for `sentinel verify` (filenames are policy files,
    # failures are failing test_ rules, successes count passing ones).
    mode: str = "test"
    # verify --report fails|notes|full (stdout only).
    report: str | None = None
    # conftest --quiet: print nothing at all when the run is clean (exit code 0), everything otherwise.
    quiet: bool = False
    # Counts warnings as failing for --quiet, as conftest's exit code does with --fail-on-warn.
    fail_on_warn: bool = False
    # conftest --suppress-exceptions: stdout leaves out the EXCP lines (they are still counted).
    suppress_exceptions: bool = False
    # conftest --junit-hide-message: JUnit test names are the file name only.
    junit_hide_message: bool = False
    # conftest before v0.40 printed "? - file - namespace - no policies found" for a result with no
    # rules; current conftest does not. Off by default to match current conftest.
    show_no_policies: bool = False
    # SARIF tool.driver.informationUri; left out of the log when unset.
    tool_uri: str | None = None
    # One line each about the run rather than a finding (e.g. "architecture.layers: not configured,
    # needs params.architecture.layers"): the stdout summary, SARIF's toolConfigurationNotifications
    # and the bot comment show them.
    notices: tuple[str, ...] = ()


class Outputter(Protocol):
    name: str

    def render(self, results: list[CheckResult], options: OutputOptions) -> str: ...
