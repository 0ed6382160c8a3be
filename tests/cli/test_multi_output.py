"""Several outputs from one run: ``-o table -o junit=report.xml``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentinel.cli import main
from testsupport.files import write

POLICY = 'package main\n\ndeny contains sprintf("%s is public", [input.name]) if input.public\n'


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path, "policy/main.rego", POLICY)
    write(tmp_path, "in.json", '{"name": "logs", "public": true}')
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_one_format_on_stdout_and_others_in_files(workdir: Path) -> None:
    code, out, _ = invoke(
        "test", "-p", "policy", "in.json", "-o", "tap", "-o", "junit=reports/r.xml", "-o", "json=r.json"
    )
    assert code == 1
    assert out == invoke("test", "-p", "policy", "in.json", "-o", "tap")[1]
    junit = invoke("test", "-p", "policy", "in.json", "-o", "junit")[1]
    assert (workdir / "reports/r.xml").read_text() == junit
    assert '"msg": "logs is public"' in (workdir / "r.json").read_text()


def test_only_files_print_nothing(workdir: Path) -> None:
    code, out, _ = invoke("test", "-p", "policy", "in.json", "-o", "stdout=s.txt")
    assert code == 1 and out == ""
    assert "\x1b[" not in (workdir / "s.txt").read_text()


@pytest.mark.parametrize(
    "outputs",
    [("tap", "json"), ("json=",), ("nope=x.txt",), ("json=a.json", "tap=a.json")],
)
def test_bad_output_lists_exit_2_before_running(workdir: Path, outputs: tuple[str, ...]) -> None:
    args = [arg for value in outputs for arg in ("-o", value)]
    code, out, _ = invoke("test", "-p", "policy", "in.json", *args)
    assert code == 2 and out == ""
    assert not (workdir / "a.json").exists()


def test_a_path_from_the_repository_config_stays_inside(workdir: Path) -> None:
    write(workdir, "conftest.yml", "output: json=../outside.json\n")
    code, _, err = invoke("test", "-p", "policy", "in.json")
    assert code == 2 and "outside" in err
    assert not (workdir.parent / "outside.json").exists()


def test_a_symlink_at_an_output_file_is_not_followed(workdir: Path) -> None:
    victim = workdir / "victim.txt"
    victim.write_text("keep")
    os.symlink(victim, workdir / "r.xml")
    code, _, _ = invoke("test", "-p", "policy", "in.json", "-o", "junit=r.xml")
    assert code == 2 and victim.read_text() == "keep"


def test_verify_takes_one_format(workdir: Path) -> None:
    write(workdir, "policy/main_test.rego", "package main\n\ntest_ok if true\n")
    assert invoke("verify", "-p", "policy", "-o", "json=v.json")[0] == 2
    assert invoke("verify", "-p", "policy", "-o", "json")[0] == 0
