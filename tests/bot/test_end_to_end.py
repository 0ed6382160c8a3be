"""End to end: a real git repository is checked with a real policy, and the bot posts to the local GitHub.

base commit -> head commit that changes code without a test: `sentinel check` finds it,
`sentinel comment` posts the comment, labels and check run, `sentinel gate` fails. A second
run changes nothing. A third run, after a commit that adds the test, removes
`sentinel-block`, turns the comment into an all-clear and passes the gate.
"""

from __future__ import annotations

import json

import yaml

from tests.bot.conftest import Bot
from tests.conftest import GitRepo
from testsupport.github_server import FakeGitHub

POLICY = """
package main

import rego.v1

tests_changed if {
    some f in input.files
    f.is_test
}

deny contains result if {
    input.kind == "changes"
    some f in input.files
    startswith(f.file, "src/")
    not tests_changed
    result := {
        "msg": sprintf("%s changed without a test change", [f.file]),
        "_loc": {"file": f.file, "line": f.line},
        "rule": "testing.code_without_tests",
        "category": "testing",
        "severity": "error",
        "fix": "Add or update a test under tests/ that covers this change.",
    }
}
"""


def _repo(git_repo: GitRepo) -> str:
    config = {
        "policy": ["policy"],
        "extract": {"kinds": ["changes"], "out": ".sentinel/inputs"},
        "bot": {"api": {"seconds_between_writes": 0}},
    }
    git_repo.write("conftest.yml", yaml.safe_dump(config))
    git_repo.write(".gitignore", ".sentinel/\nresults.json\n")
    git_repo.write("policy/tests_with_code.rego", POLICY)
    git_repo.write("src/app.py", "def total(xs):\n    return sum(xs)\n")
    git_repo.write(
        "tests/test_app.py", "from src.app import total\n\n\ndef test_total():\n    assert total([1]) == 1\n"
    )
    return git_repo.commit("base")


def _check(bot: Bot, base: str) -> dict[str, object]:
    outcome = bot.run("check", "--base", base, "--results-file", "results.json", "-o", "json", token=False)
    assert outcome.exit_code in (0, 1), outcome.stderr
    return {"exit": outcome.exit_code, "results": json.loads((bot.root / "results.json").read_text())}


def test_check_comment_gate_rerun_and_fix(git_repo: GitRepo, github: FakeGitHub) -> None:
    base = _repo(git_repo)
    git_repo.write(
        "src/app.py",
        "def total(xs):\n    return sum(xs)\n\n\ndef mean(xs):\n    return total(xs) / len(xs)\n",
    )
    head = git_repo.commit("add mean without a test")
    github.add_pull(7, head, base, labels=["enhancement"])
    bot = Bot(github, git_repo.root)

    checked = _check(bot, base)
    assert checked["exit"] == 1
    assert bot.run("comment", "--results", "results.json", "--pr", "7").exit_code == 0
    gate = bot.run("gate", "--results", "results.json", "--pr", "7")
    assert gate.exit_code == 1

    (comment,) = github.comments_on(7)
    assert "src/app.py changed without a test change" in comment["body"]
    assert f"/blob/{head}/src/app.py#L3" in comment["body"]
    assert sorted(github.labels_on(7)) == ["enhancement", "needs-tests", "sentinel-block"]
    (run,) = github.check_runs_for(head)
    assert run["conclusion"] == "failure"
    assert [(a["path"], a["start_line"]) for a in github.annotations[run["id"]]] == [("src/app.py", 3)]

    # second run, same commit, same findings: the check runs in-process and nothing is written
    github.reset_log()
    again = bot.run("gate", "--post", "--base", base, "--pr", "7", GITHUB_RUN_ID="4300")
    assert again.exit_code == 1
    assert github.writes == 0
    assert [c["body"] for c in github.comments_on(7)] == [comment["body"]]
    assert len(github.check_runs_for(head)) == 1

    # third run, after the fix
    git_repo.write(
        "tests/test_app.py", "from src.app import mean\n\n\ndef test_mean():\n    assert mean([2]) == 2\n"
    )
    fixed = git_repo.commit("test mean")
    github.pulls[7].head_sha = fixed
    assert _check(bot, base)["exit"] == 0
    assert bot.run("comment", "--results", "results.json", "--pr", "7").exit_code == 0
    assert bot.run("gate", "--results", "results.json", "--pr", "7").exit_code == 0

    (updated,) = github.comments_on(7)
    assert updated["id"] == comment["id"]
    assert "all clear" in updated["body"]
    assert github.labels_on(7) == ["enhancement"]
    (new_run,) = github.check_runs_for(fixed)
    assert new_run["conclusion"] == "success"
