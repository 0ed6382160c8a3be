"""Skipped files do not hide findings, and secrets are never shown: `sentinel check` on real repos.

Each test builds a small git repository with a key in a file an extractor used to skip (one bad
byte, a NUL byte, padding past max_file_bytes) or in a debt-marker comment, and runs the whole
check: extract, the real policy library, the real output formats.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sentinel.cli import main
from testsupport.files import write

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policy-as-code" / "policies"
KEY = "AKIA" + "ZZQ3D2L7XJ5WV4NB"  # assembled, so this file holds no key
MARKER = "TO" + "DO"
WARN = {"sentinel": {"params": {"meta": {"unscanned_file": {"level": "warn"}}}}}


def repo(root: Path, files: dict[str, str | bytes], max_file_bytes: int = 1_000_000,
         params: dict[str, Any] | None = None) -> Path:
    for rel, content in files.items():
        write(root, rel, content)
    write(root, "conftest.yml", f"extract:\n  max_file_bytes: {max_file_bytes}\n")
    write(root, "params.json", json.dumps(params or {"sentinel": {"params": {}}}))
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "base"]):
        subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                       cwd=root, check=True, capture_output=True)
    return root


def check(root: Path, monkeypatch: pytest.MonkeyPatch, output: str = "json") -> tuple[int, str]:
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["check", "-p", str(POLICIES), "-d", "params.json", "-o", output,
                                       "--no-color"], catch_exceptions=False)
    return result.exit_code, result.output


def findings(output: str, key: str = "failures") -> set[tuple[str, str, int]]:
    return {(f["metadata"]["rule"], f["loc"]["file"], f["loc"]["line"])
            for result in json.loads(output) for f in result.get(key) or []}


def test_key_in_a_file_with_one_invalid_utf8_byte_fails_the_check(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo(tmp_path, {"notes.txt": b"caf\xe9\n" + f"aws {KEY}\n".encode()})
    code, output = check(root, monkeypatch)
    assert code == 1, output
    assert ("security.secret_in_code", "notes.txt", 2) in findings(output)


def test_key_in_a_python_file_with_a_nul_byte_is_found_and_the_file_is_unscanned(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo(tmp_path, {"app/settings.py": f'KEY = "{KEY}"\n'.encode() + b"\x00\n"})
    code, output = check(root, monkeypatch)
    assert code == 1, output
    found = findings(output)
    assert ("security.secret_in_code", "app/settings.py", 1) in found
    assert ("meta.unscanned_file", "app/settings.py", 0) in found


def test_file_padded_past_max_file_bytes_fails_and_its_key_is_still_found(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    padded = "x = 1\n" * 2000 + f'KEY = "{KEY}"\n'
    root = repo(tmp_path, {"app/settings.py": padded}, max_file_bytes=4096)
    code, output = check(root, monkeypatch)
    assert code == 1, output
    found = findings(output)
    assert ("meta.unscanned_file", "app/settings.py", 0) in found
    assert ("security.secret_in_code", "app/settings.py", 2001) in found
    messages = [f["msg"] for r in json.loads(output) for f in r.get("failures") or []
                if f["metadata"]["rule"] == "meta.unscanned_file"]
    assert any("the imports extractor" in m and "too_large" in m for m in messages)


def test_level_warn_reports_unscanned_files_without_failing(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo(tmp_path, {"app/big.py": "x = 1\n" * 2000}, max_file_bytes=4096, params=WARN)
    code, output = check(root, monkeypatch)
    assert code == 0, output
    assert ("meta.unscanned_file", "app/big.py", 0) in findings(output, "warnings")
    assert not findings(output)


@pytest.mark.parametrize("output", ["stdout", "json", "sarif", "github", "markdown"])
def test_key_in_a_marker_comment_is_never_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                output: str) -> None:
    root = repo(tmp_path, {"app/jobs.py": f"x = 1  # {MARKER}: rotate {KEY} once the vault is up\n"})
    code, shown = check(root, monkeypatch, output)
    assert code == 1, shown
    assert "marker_without_ticket" in shown
    assert "rotate AKIA**** once the vault is up" in shown
    assert KEY not in shown
    for written in (root / ".sentinel" / "inputs").glob("*.json"):
        assert KEY not in written.read_text(encoding="utf-8"), written.name
