"""Colour on the terminal: --no-color and NO_COLOR turn it off, FORCE_COLOR keeps it through a
pipe (conftest always writes colour codes), and otherwise a pipe gets plain text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SENTINEL = str(Path(sys.executable).with_name("sentinel"))
RED_FAIL = "\x1b[31mFAIL\x1b[0m - in.json - main - bad"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "p.rego").write_text('package main\n\ndeny contains "bad" if input.bad\n')
    (tmp_path / "in.json").write_text('{"bad": true}')
    return tmp_path


def _first_line(folder: Path, env: dict[str, str], *flags: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    proc = subprocess.run(
        [SENTINEL, "test", *flags, "-p", "policy", "in.json"],
        cwd=folder, env={**clean, **env}, capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 1, proc.stderr
    return proc.stdout.splitlines()[0]


def test_a_pipe_gets_plain_text(folder: Path) -> None:
    assert _first_line(folder, {}) == "FAIL - in.json - main - bad"


def test_force_color_keeps_colour_codes_through_a_pipe(folder: Path) -> None:
    assert _first_line(folder, {"FORCE_COLOR": "1"}) == RED_FAIL


def test_no_color_wins_over_force_color(folder: Path) -> None:
    assert _first_line(folder, {"FORCE_COLOR": "1", "NO_COLOR": "1"}) == "FAIL - in.json - main - bad"


def test_the_no_color_flag_wins_over_force_color(folder: Path) -> None:
    assert _first_line(folder, {"FORCE_COLOR": "1"}, "--no-color") == "FAIL - in.json - main - bad"
