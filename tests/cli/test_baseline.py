"""`sentinel baseline create|update` and `check` with a baseline: an existing repository starts
green, a new finding blocks, a line move does not make an old finding new."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sentinel.cli import main
from tests.conftest import GitRepo

OLD = "def f():\n    # TODO fix this later\n    return 1\n"
CONFIG = "extract:\n  kinds: [todos]\n"


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def repo(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    git_repo.write("conftest.yml", CONFIG)
    git_repo.write("app/core.py", OLD)
    git_repo.commit("existing code with a violation")
    monkeypatch.chdir(git_repo.root)
    return git_repo


def _failures(output_json: str) -> list[str]:
    return [f["msg"] for r in json.loads(output_json) for f in r.get("failures", [])]


def test_adoption_starts_green_and_only_the_new_finding_blocks(repo: GitRepo) -> None:
    assert _invoke("check")[0] == 1
    code, out = _invoke("baseline", "create")
    assert code == 0, out
    assert "1 findings recorded" in out
    repo.commit("baseline")
    code, out = _invoke("check")
    assert code == 0, out

    # Lines inserted above the old violation, and a new violation in another file.
    repo.write("app/core.py", "import os\n\n\n" + OLD)
    repo.write("app/new.py", "# FIXME handle errors\nx = 1\n")
    repo.commit("new code")
    code, out = _invoke("check", "-o", "json")
    assert code == 1
    [message] = _failures(out)
    assert "FIXME" in message and "handle errors" in message


def test_editing_the_baselined_line_makes_it_a_new_finding(repo: GitRepo) -> None:
    _invoke("baseline", "create")
    repo.write("app/core.py", OLD.replace("fix this later", "fix this much later"))
    code, out = _invoke("check", "-o", "json")
    assert code == 1
    assert len(_failures(out)) == 1


def test_update_drops_fixed_findings_and_keeps_reasons(repo: GitRepo) -> None:
    repo.write("app/b.py", "# TODO second one\n")
    _invoke("baseline", "create", "--reason", "tracked in TD-7")
    data = json.loads((repo.root / ".sentinel-baseline.json").read_text())
    assert {e["reason"] for e in data["findings"]} == {"tracked in TD-7"}
    assert len(data["findings"]) == 2
    (repo.root / "app/b.py").unlink()
    repo.write("app/c.py", "# TODO third one\n")
    code, out = _invoke("baseline", "update")
    assert code == 0, out
    data = json.loads((repo.root / ".sentinel-baseline.json").read_text())
    assert [(e["file"], e["reason"]) for e in data["findings"]] == [("app/core.py", "tracked in TD-7")]
    assert _invoke("check")[0] == 1  # app/c.py is new and was not added
    _invoke("baseline", "update", "--add-new", "--reason", "TD-8")
    data = json.loads((repo.root / ".sentinel-baseline.json").read_text())
    assert sorted(e["file"] for e in data["findings"]) == ["app/c.py", "app/core.py"]
    assert _invoke("check")[0] == 0


def test_a_configured_baseline_that_is_missing_is_an_error(repo: GitRepo) -> None:
    repo.write("conftest.yml", CONFIG + "baseline: audit/baseline.json\n")
    code, out = _invoke("check")
    assert code == 2
    assert "findings baseline not found" in out


@pytest.mark.parametrize("content", ["[]", "{}", '{"sentinel_baseline": 1, "findings": [{"fingerprint": 1}]}',
                                     "not json"])
def test_a_malformed_baseline_is_an_error(repo: GitRepo, content: str) -> None:
    repo.write(".sentinel-baseline.json", content)
    code, _ = _invoke("check")
    assert code == 2


def test_create_refuses_to_overwrite_and_a_symlinked_target(repo: GitRepo, tmp_path_factory) -> None:
    _invoke("baseline", "create")
    code, out = _invoke("baseline", "create")
    assert code == 2 and "exists" in out
    outside = tmp_path_factory.mktemp("outside") / "victim.txt"
    outside.write_text("keep me\n")
    (repo.root / ".sentinel-baseline.json").unlink()
    (repo.root / ".sentinel-baseline.json").symlink_to(outside)
    code, _ = _invoke("baseline", "create", "--force")
    assert code == 2
    assert outside.read_text() == "keep me\n"
