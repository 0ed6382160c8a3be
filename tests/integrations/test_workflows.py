"""The GitHub Action and workflows pass zizmor (offline) and GitHub's own workflow parser, pin every
third-party action to a commit, and never leave the checkout's credentials on disk."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from testsupport.processes import require_program

ROOT = Path(__file__).resolve().parents[2]
FILES = [ROOT / "action.yml", *sorted((ROOT / ".github" / "workflows").glob("*.yml"))]
PARSER_SCRIPT = ROOT / "testsupport" / "workflow_parser.mjs"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"uses:\s*\S+@[0-9a-f]{40}\s+# v\d+(\.\d+)*\s*$")


def zizmor() -> str:
    beside = Path(sys.executable).with_name("zizmor")
    if beside.is_file():
        return str(beside)
    return require_program("zizmor", "pip install zizmor")


def node_parser() -> list[str]:
    node = require_program("node", "apt-get install nodejs")
    if not (ROOT / "node_modules" / "@actions" / "workflow-parser").is_dir():
        message = "@actions/workflow-parser is not installed (npm ci)"
        if os.environ.get("SENTINEL_REQUIRE_ORACLES") == "1":
            pytest.fail(f"{message}; SENTINEL_REQUIRE_ORACLES=1 forbids skipping", pytrace=False)
        pytest.skip(message)
    return [node, str(PARSER_SCRIPT)]


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False, timeout=120)


def steps() -> list[tuple[Path, dict[str, object]]]:
    found: list[tuple[Path, dict[str, object]]] = []
    for path in FILES:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "runs" in document:
            found += [(path, step) for step in document["runs"].get("steps", [])]
        for job in (document.get("jobs") or {}).values():
            found += [(path, step) for step in job.get("steps", [])]
    return found


def test_zizmor_offline_reports_nothing() -> None:
    proc = run([zizmor(), "--offline", "--no-progress", *map(str, FILES)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings to report" in proc.stdout


def test_zizmor_flags_an_unpinned_action(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - uses: actions/setup-python@v5\n", encoding="utf-8")
    proc = run([zizmor(), "--offline", "--no-progress", str(bad)])
    assert proc.returncode != 0
    assert "unpinned-uses" in proc.stdout


def test_githubs_workflow_parser_accepts_the_action_and_the_workflows() -> None:
    proc = run([*node_parser(), *map(str, FILES)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


def test_githubs_workflow_parser_rejects_an_unknown_step_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - bogus: 1\n",
                   encoding="utf-8")
    proc = run([*node_parser(), str(bad)])
    assert proc.returncode == 1
    assert "Unexpected value 'bogus'" in proc.stdout


def test_every_third_party_action_is_pinned_to_a_commit_with_its_version() -> None:
    remote = [(path, str(step["uses"])) for path, step in steps()
              if "uses" in step and not str(step["uses"]).startswith(("./", "$/"))]
    assert remote
    assert [(path.name, uses) for path, uses in remote if not PINNED.match(uses)] == []
    for path in FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(r"uses:\s*[\w.-]+/", line):
                assert VERSION_COMMENT.search(line), f"{path.name}: {line.strip()}"


def test_every_checkout_drops_its_credentials() -> None:
    checkouts = [step for _, step in steps() if str(step.get("uses", "")).startswith("actions/checkout@")]
    assert checkouts
    for step in checkouts:
        options = step.get("with")
        assert isinstance(options, dict) and options.get("persist-credentials") is False


def test_the_action_installs_into_its_own_venv_with_a_pip_cache() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    install = next(s for s in action["runs"]["steps"] if s.get("name") == "Install Sentinel")
    assert "-m venv" in install["run"] and "PIP_CACHE_DIR" in install["env"]
    assert any(str(s.get("uses", "")).startswith("actions/cache@") for s in action["runs"]["steps"])
