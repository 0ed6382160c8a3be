"""`sentinel check` reports a rule that cannot fire (a required parameter is empty) once: not configured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentinel.cli import main
from sentinel.errors import SentinelError
from sentinel.results_file import RunRecord, sha256
from tests.conftest import GitRepo

LAYERS_NOTICE = "architecture.layers: not configured, needs data.sentinel.params.architecture.layers"
LAYERS_CONFIG = """
params:
  architecture:
    layers:
      - name: app layers
        layers: [app.api, app.domain]
"""


@pytest.fixture
def repo(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    git_repo.write("app/__init__.py", "")
    git_repo.write("app/api.py", "from app import domain\n")
    git_repo.write("app/domain.py", "X = 1\n")
    git_repo.commit()
    monkeypatch.chdir(git_repo.root)
    return git_repo


def _check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["check", "-k", "imports", "--no-color", *args], catch_exceptions=False
    )
    return result.exit_code, result.output


def test_an_empty_layers_parameter_is_reported_once_after_the_summary(repo: GitRepo) -> None:
    code, out = _check()
    assert code == 0, out
    lines = out.splitlines()
    assert lines.count(f"NOTE - {LAYERS_NOTICE}") == 1
    summary = next(i for i, line in enumerate(lines) if "tests," in line and "passed" in line)
    assert lines.index(f"NOTE - {LAYERS_NOTICE}") > summary


def test_configured_layers_give_no_notice(repo: GitRepo) -> None:
    (repo.root / "conftest.yml").write_text(LAYERS_CONFIG, encoding="utf-8")
    code, out = _check()
    assert code == 0, out
    assert "architecture.layers: not configured" not in out


def test_the_results_file_carries_the_notices(repo: GitRepo) -> None:
    code, _ = _check("--results-file", "results.json", "-o", "json")
    assert code == 0
    record = json.loads(Path(repo.root, "results.json").read_text(encoding="utf-8"))["sentinel_run"]
    assert record["notices"].count(LAYERS_NOTICE) == 1


def test_a_run_record_with_notices_that_are_not_strings_is_refused() -> None:
    record = RunRecord(revision=None, policy_hash=sha256(b"p"), inputs={"x.json": sha256(b"x")}).to_json()
    assert RunRecord.from_json(record, "results.json").notices == ()
    with pytest.raises(SentinelError, match="notices must be a list of strings"):
        RunRecord.from_json({**record, "notices": [1]}, "results.json")
