"""docs/compatibility.md cannot drift from conftest or from Sentinel.

Every conftest command, every flag of the commands it documents one by one, every parser and
every output format has a row with a status; no row names something conftest lacks (unless it is
marked Sentinel only); and the status is true of Sentinel: what is ``absent`` is not there, what
is ``same``/``different``/``fallback`` is. conftest's surface comes from ``conftest_cli.json``,
itself checked against the real binary.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from sentinel import outputs, parsers
from sentinel.cli import main
from tests.parity.conftest_cli import DOCUMENTED_COMMANDS, load_snapshot, read_cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "compatibility.md"
STATUSES = ("same", "different", "fallback", "absent", "Sentinel only")
# conftest command -> the Sentinel command that plays its part (Sentinel's own `doc` predates it).
SENTINEL_COMMAND = {"doc": "document"}
_HEADING = re.compile(r"^## (.+)$", re.MULTILINE)
_NAME = re.compile(r"`([^`]+)`")


def sections(text: str) -> dict[str, dict[str, str]]:
    """Heading -> {name in the first cell's backticks: status}, for every table row."""
    out: dict[str, dict[str, str]] = {}
    parts = _HEADING.split(text)
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        rows: dict[str, str] = {}
        for line in body.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not line.startswith("|") or len(cells) < 2 or set(cells[1]) <= {"-", " "}:
                continue
            status = next((s for s in STATUSES if cells[1].startswith(s)), cells[1])
            for name in _NAME.findall(cells[0]):
                rows[name] = status
        out[heading.strip()] = rows
    return out


DOC_SECTIONS = sections(DOC.read_text(encoding="utf-8"))
CLI = load_snapshot()


def _expected() -> dict[str, list[str]]:
    wanted = {
        "Commands": CLI["commands"],
        "Global flags": CLI["flags"][""],
        "Parsers": CLI["parsers"],
        "Outputs": CLI["outputs"],
    }
    wanted.update({f"Flags of `{c}`": CLI["flags"][c] for c in DOCUMENTED_COMMANDS})
    return wanted


EXPECTED = _expected()


def _sentinel_command(name: str) -> click.Command | None:
    return main.get_command(click.Context(main), SENTINEL_COMMAND.get(name, name))


def _sentinel_flags(command: click.Command) -> set[str]:
    return {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}


def _sentinel_has(section: str, name: str) -> bool:
    if section == "Commands":
        return _sentinel_command(name) is not None
    if section == "Parsers":
        return name in parsers.names()
    if section == "Outputs":
        return name in outputs.names()
    if section == "Global flags":
        return name in _sentinel_flags(main)
    command = _sentinel_command(section.removeprefix("Flags of `").removesuffix("`"))
    return command is not None and name in _sentinel_flags(command)


def test_snapshot_matches_the_real_conftest(conftest_bin: str) -> None:
    assert read_cli(conftest_bin) == CLI, "refresh tests/parity/conftest_cli.json (see its module)"


def test_every_row_has_a_known_status() -> None:
    for section, rows in DOC_SECTIONS.items():
        if section not in EXPECTED:
            continue
        odd = {name: status for name, status in rows.items() if status not in STATUSES}
        assert not odd, f"{section}: statuses must start with one of {STATUSES}: {odd}"


@pytest.mark.parametrize("section", sorted(EXPECTED))
def test_section_lists_exactly_what_conftest_has(section: str) -> None:
    assert section in DOC_SECTIONS, f"docs/compatibility.md lacks a '## {section}' table"
    rows = DOC_SECTIONS[section]
    missing = sorted(set(EXPECTED[section]) - set(rows))
    assert not missing, f"{section}: conftest has {missing}, the table does not"
    stale = sorted(n for n, s in rows.items() if n not in EXPECTED[section] and s != "Sentinel only")
    assert not stale, f"{section}: {stale} are not conftest's (mark them Sentinel only or remove them)"


@pytest.mark.parametrize("section", sorted(EXPECTED))
def test_statuses_are_true_of_sentinel(section: str) -> None:
    wrong = []
    for name, status in DOC_SECTIONS.get(section, {}).items():
        if status in STATUSES and (status != "absent") != _sentinel_has(section, name):
            wrong.append(f"{name} ({status})")
    assert not wrong, f"{section}: the status does not match Sentinel for {wrong}"


def test_sections_parser_reads_names_and_statuses() -> None:
    text = "## T\n\n| conftest | Status |\n| --- | --- |\n| `--a`, `--b` | same (text) |\n| `x` | absent |\n"
    assert sections(text) == {"T": {"--a": "same", "--b": "same", "x": "absent"}}
