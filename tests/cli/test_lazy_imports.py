"""`sentinel test` starts light: no module it does not need, and the collector tuned for a short run."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentinel.cli import main

PROBE = """
import gc, json, sys
from sentinel.cli import main
sys.argv = ["sentinel", "test", "-p", "policy.rego", "input.json"]
try:
    main()
except SystemExit as exc:
    code = exc.code
heavy = ["git", "detect_secrets", "grimp", "tree_sitter", "github", "concurrent.futures", "logging"]
print(json.dumps({"code": code, "threshold": gc.get_threshold(), "frozen": gc.get_freeze_count(),
                  "imported": [m for m in heavy if m in sys.modules]}), file=sys.stderr)
"""


def write_tiny(folder: Path) -> None:
    (folder / "policy.rego").write_text('package main\nimport rego.v1\ndeny contains "one" if input.a == 1\n')
    (folder / "input.json").write_text('{"a": 2}')


def test_sentinel_test_imports_nothing_heavy_and_tunes_the_collector(tmp_path: Path) -> None:
    write_tiny(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120
    )
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    assert report["code"] == 0
    assert report["imported"] == []
    assert report["threshold"] == [100_000, 50, 100]
    assert report["frozen"] > 0


def test_a_caller_passing_arguments_keeps_its_collector_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tiny(tmp_path)
    monkeypatch.chdir(tmp_path)
    before = gc.get_threshold()
    result = CliRunner().invoke(main, ["test", "-p", "policy.rego", "input.json"], catch_exceptions=False)
    assert result.exit_code == 0
    assert gc.get_threshold() == before
