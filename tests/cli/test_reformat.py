"""`sentinel reformat`: conftest's reformat (results JSON in, any output format out)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentinel.cli import main

RESULTS = [
    {"filename": "a.yaml", "namespace": "main", "successes": 1, "failures": [{"msg": "a is bad"}]},
    {"filename": "b.yaml", "namespace": "main", "successes": 2},
]


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["reformat", *args], input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def results_file(tmp_path: Path) -> Path:
    path = tmp_path / "results.json"
    path.write_text(json.dumps(RESULTS), encoding="utf-8")
    return path


def test_failures_are_shown_but_the_exit_code_is_0(results_file: Path) -> None:
    code, out, _ = invoke("-o", "tap", str(results_file))
    assert code == 0
    assert out.splitlines()[:2] == ["1..4", "not ok 1 - a.yaml - main - a is bad"]


def test_stdin_is_read_without_a_file() -> None:
    code, out, _ = invoke("-o", "json", stdin=json.dumps(RESULTS))
    assert code == 0
    assert [r["filename"] for r in json.loads(out)] == ["a.yaml", "b.yaml"]


def test_only_the_first_file_is_read(results_file: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text(json.dumps([{"filename": "c.yaml", "namespace": "main", "successes": 1}]))
    code, out, _ = invoke("-o", "json", str(results_file), str(other))
    assert code == 0 and "c.yaml" not in out


@pytest.mark.parametrize(
    "text",
    ["{", '{"filename": "a"}', '[{"filename": "a", "failures": "x"}]', '[{"namespace": "main"}]'],
)
def test_malformed_results_exit_2(text: str) -> None:
    code, out, err = invoke(stdin=text)
    assert code == 2 and out == "" and "Error:" in err


def test_unknown_format_exits_2(results_file: Path) -> None:
    code, _, err = invoke("-o", "yaml", str(results_file))
    assert code == 2 and "unknown output format" in err


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "results.fifo"
    os.mkfifo(fifo)
    code, _, err = invoke(str(fifo))
    assert code == 2 and "not an input file" in err
