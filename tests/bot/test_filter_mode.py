"""Filter modes (reviewdog's -filter-mode): which findings the bot comments, annotates and gates on.

A real git repository: the base has src/app.py with ten lines; the head changes line 5 and adds
other.py untouched. Findings sit on the changed line, on a context line of its hunk, elsewhere in
the changed file, in an unchanged file, and nowhere (a repository-level finding).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from sentinel.results_file import RECORD_KEY, RunRecord, checked_out_revision, sha256
from tests.bot.conftest import Bot, failure, result
from tests.conftest import GitRepo
from testsupport.github_server import FakeGitHub

LINES = [f"value_{n} = {n}\n" for n in range(1, 11)]
FINDINGS = [
    failure("changed line", "demo.changed", "src/app.py", 5),
    failure("context line", "demo.context", "src/app.py", 7),
    failure("same file", "demo.same_file", "src/app.py", 1),
    failure("unchanged file", "demo.unchanged", "other.py", 1),
    failure("no location", "demo.repository"),
]
NOTICE = "architecture.layers: not configured, needs data.sentinel.params.architecture.layers"


@pytest.fixture
def pull(git_repo: GitRepo, github: FakeGitHub) -> Bot:
    git_repo.write("src/app.py", "".join(LINES))
    git_repo.write("other.py", "x = 1\n")
    base = git_repo.commit("base")
    changed = list(LINES)
    changed[4] = "value_5 = 50\n"
    git_repo.write("src/app.py", "".join(changed))
    head = git_repo.commit("change line 5")
    github.add_pull(7, head, base)
    bot = Bot(github, git_repo.root)
    bot.configure()
    document: dict[str, Any] = {
        RECORD_KEY: RunRecord(
            revision=checked_out_revision(git_repo.root),
            policy_hash=sha256(b"policies"),
            inputs={".sentinel/inputs/files.json": sha256(b"files")},
            notices=(NOTICE,),
        ).to_json(),
        "results": [result(FINDINGS)],
    }
    (git_repo.root / "results.json").write_text(json.dumps(document), encoding="utf-8")
    return bot


def _gate(bot: Bot, *args: str) -> tuple[int, list[str]]:
    outcome = bot.run("gate", "--results", "results.json", "--pr", "7", "--no-pr-rules", *args)
    return outcome.exit_code, outcome.stdout.splitlines()[1:]


@pytest.mark.parametrize(
    ("mode", "kept"),
    [
        ("added", ["changed line", "no location"]),
        ("diff_context", ["changed line", "context line", "no location"]),
        ("file", ["changed line", "context line", "same file", "no location"]),
        ("nofilter", ["changed line", "context line", "same file", "unchanged file", "no location"]),
    ],
)
def test_the_gate_judges_only_the_findings_the_mode_keeps(pull: Bot, mode: str, kept: list[str]) -> None:
    code, lines = _gate(pull, "--filter-mode", mode)
    assert code == 1
    assert sorted(line.rsplit("] ", 1)[1] for line in lines) == sorted(kept)


def test_added_is_the_default(pull: Bot) -> None:
    _, lines = _gate(pull)
    assert sorted(line.rsplit("] ", 1)[1] for line in lines) == ["changed line", "no location"]


def test_the_config_sets_the_mode_and_the_flag_overrides_it(pull: Bot) -> None:
    pull.configure(filter_mode="file")
    assert len(_gate(pull)[1]) == 4
    assert len(_gate(pull, "--filter-mode", "nofilter")[1]) == 5


def test_findings_outside_the_diff_do_not_fail_the_gate(pull: Bot, git_repo: GitRepo) -> None:
    document = json.loads((git_repo.root / "results.json").read_text(encoding="utf-8"))
    document["results"] = [result([FINDINGS[2], FINDINGS[3]])]
    (git_repo.root / "results.json").write_text(json.dumps(document), encoding="utf-8")
    assert _gate(pull)[0] == 0
    assert _gate(pull, "--filter-mode", "nofilter")[0] == 1


def test_the_comment_annotates_only_kept_findings_and_says_how_many_were_left_out(
    pull: Bot, github: FakeGitHub
) -> None:
    outcome = pull.run("comment", "--results", "results.json", "--pr", "7", "--no-pr-rules")
    assert outcome.exit_code == 0, outcome.stderr
    (comment,) = github.comments_on(7)
    body = comment["body"]
    assert "changed line" in body and "no location" in body
    assert "context line" not in body and "unchanged file" not in body
    assert "3 findings outside this pull request's diff left out (filter mode `added`)." in body
    (run,) = github.check_runs_for(github.pulls[7].head_sha)
    assert [(a["path"], a["start_line"]) for a in github.annotations[run["id"]]] == [("src/app.py", 5)]


def test_the_comment_footer_lists_the_run_notices(pull: Bot, github: FakeGitHub) -> None:
    outcome = pull.run("comment", "--results", "results.json", "--pr", "7", "--no-pr-rules")
    assert outcome.exit_code == 0, outcome.stderr
    (comment,) = github.comments_on(7)
    footer = comment["body"].split("\n---\n", 1)[1]
    assert f"Notes: {NOTICE}." in footer


def test_an_unknown_filter_mode_in_the_config_is_an_error(pull: Bot) -> None:
    pull.configure(filter_mode="everything")
    outcome = pull.run("gate", "--results", "results.json", "--pr", "7", "--no-pr-rules")
    assert outcome.exit_code == 2
    assert "filter_mode" in outcome.stderr
