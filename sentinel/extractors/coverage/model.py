"""What every coverage report parser returns: measured and covered lines per file as written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FileLines:
    """Line numbers (1-based) a report measured for one file, and those executed at least once."""

    measured: set[int] = field(default_factory=set)
    covered: set[int] = field(default_factory=set)

    def merge(self, other: FileLines) -> None:
        self.measured |= other.measured
        self.covered |= other.covered


@dataclass
class ParsedReport:
    """A parsed report: file path as the report writes it -> lines; ``sources`` are the folders
    the report says its relative paths start from (Cobertura ``<source>``)."""

    files: dict[str, FileLines] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)

    def lines_for(self, path: str) -> FileLines:
        return self.files.setdefault(path, FileLines())


def percent(covered: int, measured: int) -> float | None:
    return round(100.0 * covered / measured, 2) if measured else None
