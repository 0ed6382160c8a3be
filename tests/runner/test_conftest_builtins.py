"""conftest's parse_config builtins under regorus: same values, and a hostile policy cannot read
files outside the working directory through them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from sentinel.cli import main


def _run(tmp_path: Path, monkeypatch, policy: str) -> tuple[int, str]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policy").mkdir(exist_ok=True)
    (tmp_path / "policy" / "main.rego").write_text(policy)
    (tmp_path / "in.json").write_text("{}")
    result = CliRunner().invoke(main, ["test", "-p", "policy", "in.json", "-o", "json"])
    return result.exit_code, result.output


def test_parse_config_parses_text_with_the_named_parser(tmp_path: Path, monkeypatch) -> None:
    code, out = _run(tmp_path, monkeypatch, 'package main\n\ndeny contains sprintf("%d", [x]) if {\n'
                     '\tx := parse_config("toml", "a = 7\\n").a\n}\n')
    assert code == 1
    assert json.loads(out)[0]["failures"][0]["msg"] == "7"


def test_parse_config_file_reads_relative_to_the_policy_folder(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "app.yaml").write_text("port: 80\n")
    code, out = _run(tmp_path, monkeypatch, 'package main\n\ndeny contains "port 80" if {\n'
                     '\tparse_config_file("../conf/app.yaml").port == 80\n}\n')
    assert code == 1, out


def test_a_path_out_of_the_working_directory_is_refused(tmp_path: Path, monkeypatch) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text('{"secret": "x"}')
    work = tmp_path / "work"
    work.mkdir()
    for path in ("../../outside.json", str(outside), "/etc/passwd"):
        code, out = _run(work, monkeypatch, 'package main\n\ndeny contains "read" if {\n'
                         f'\tparse_config_file("{path}")\n}}\n')
        assert code == 2, (path, out)
        assert "outside the working directory" in out


def test_a_symlink_out_of_the_working_directory_is_refused(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "outside.json").write_text("{}")
    work = tmp_path / "work"
    (work / "policy").mkdir(parents=True)
    (work / "policy" / "link.json").symlink_to(tmp_path / "outside.json")
    code, out = _run(work, monkeypatch, 'package main\n\ndeny contains "read" if {\n'
                     '\tparse_config_file("link.json")\n}\n')
    assert code == 2 and "outside the working directory" in out
