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


class Outputter(Protocol):
    name: str

    def render(self, results: list[CheckResult], options: OutputOptions) -> str: ...
