"""docs/cli.md documents every command and flag, and is regenerated when the CLI changes."""

from __future__ import annotations

from pathlib import Path

from sentinel.cli.reference import embed

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_cli_reference_in_docs_is_current() -> None:
    current = DOC.read_text(encoding="utf-8")
    assert embed(current) == current, "docs/cli.md is stale: run python -m sentinel.cli.reference docs/cli.md"
