"""`sentinel gate`: the verdict comes from the results alone, whatever happens to the feedback."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tests.bot.conftest import HEAD, Bot, failure, result, results_document
from tests.conftest import GitRepo
from testsupport.github_server import FakeGitHub

BLOCKING = failure("secret in config", "secrets.detected", "config/app.yml", 4)
WARNING = failure("test sleeps", "testing.async_sleep", "tests/test_a.py", 2, severity="warning")


def test_clean_results_pass_with_exit_0(bot: Bot) -> None:
    outcome = bot.run("gate", "--results", str(bot.results([result()])), token=False)
    assert outcome.exit_code == 0
    assert "PASS" in outcome.stdout


def test_a_blocking_finding_fails_with_exit_1_and_is_listed(bot: Bot) -> None:
    outcome = bot.run("gate", "--results", str(bot.results([result(failures=[BLOCKING])])), token=False)
    assert outcome.exit_code == 1
    assert "config/app.yml:4: [secrets.detected] secret in config" in outcome.stdout


def test_warnings_alone_pass(bot: Bot) -> None:
    outcome = bot.run("gate", "--results", str(bot.results([result(warnings=[WARNING])])), token=False)
    assert outcome.exit_code == 0


def test_warnings_fail_with_fail_on_warn(bot: Bot) -> None:
    path = bot.results([result(warnings=[WARNING])])
    assert bot.run("gate", "--results", str(path), "--fail-on-warn", token=False).exit_code == 1


def test_missing_results_exit_2_naming_the_file(bot: Bot) -> None:
    outcome = bot.run("gate", "--results", "nowhere.json", token=False)
    assert outcome.exit_code == 2
    assert "nowhere.json: results file not found" in outcome.stderr


def test_unreadable_results_exit_2_with_file_and_line(bot: Bot) -> None:
    path = bot.root / "results.json"
    path.write_text('[\n  {"filename": "a",\n  oops\n]', encoding="utf-8")
    outcome = bot.run("gate", "--results", str(path), token=False)
    assert outcome.exit_code == 2
    assert f"{path}:3: results are not valid JSON" in outcome.stderr


def test_results_of_the_wrong_shape_exit_2(bot: Bot) -> None:
    path = bot.root / "results.json"
    path.write_text('{"filename": "a"}', encoding="utf-8")
    assert bot.run("gate", "--results", str(path), token=False).exit_code == 2


def test_post_publishes_feedback_and_keeps_the_verdict(bot: Bot) -> None:
    bot.server.add_pull(7, HEAD, "b" * 40)
    outcome = bot.run(
        "gate", "--post", "--results", str(bot.results([result(failures=[BLOCKING])])), "--pr", "7"
    )
    assert outcome.exit_code == 1
    assert len(bot.server.comments_on(7)) == 1


def test_when_github_keeps_failing_the_gate_still_reports_the_verdict(bot: Bot) -> None:
    bot.configure(api={"retries": 1, "backoff": 0.01, "seconds_between_writes": 0})
    bot.server.add_pull(7, HEAD, "b" * 40)
    bot.server.fail_server(times=100, status=502)
    path = bot.results([result(failures=[BLOCKING])])
    outcome = bot.run("gate", "--post", "--results", str(path), "--pr", "7")
    assert outcome.exit_code == 1
    assert "feedback could not be posted" in outcome.stderr
    assert "FAIL" in outcome.stdout


def test_a_clean_gate_stays_green_when_github_is_down(bot: Bot) -> None:
    bot.configure(api={"retries": 0, "seconds_between_writes": 0})
    bot.server.add_pull(7, HEAD, "b" * 40)
    bot.server.fail_server(times=100, status=503)
    outcome = bot.run("gate", "--post", "--results", str(bot.results([result()])), "--pr", "7")
    assert outcome.exit_code == 0
    assert "feedback could not be posted" in outcome.stderr


def test_a_long_rate_limit_is_not_waited_for_and_the_verdict_is_reported(bot: Bot) -> None:
    bot.server.add_pull(7, HEAD, "b" * 40)
    bot.server.primary_rate_limit(reset_in=3600, times=100, status=429)
    started = time.monotonic()
    path = bot.results([result(failures=[BLOCKING])])
    outcome = bot.run("gate", "--post", "--results", str(path), "--pr", "7")
    assert outcome.exit_code == 1
    assert "rate limited" in outcome.stderr
    assert time.monotonic() - started < 5


def test_fork_pull_requests_get_workflow_annotations_and_a_job_summary(bot: Bot, tmp_path: Path) -> None:
    bot.server.add_pull(7, HEAD, "b" * 40, head_repo="someone/widgets")
    bot.event(7, fork=True)
    summary = tmp_path / "summary.md"
    path = bot.results([result(failures=[BLOCKING], warnings=[WARNING])])
    outcome = bot.run(
        "gate", "--post", "--results", str(path), GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary)
    )
    assert outcome.exit_code == 1
    assert (
        "::error file=config/app.yml,line=4,title=secrets.detected (error)::secret in config"
        in outcome.stdout
    )
    assert "::warning file=tests/test_a.py,line=2," in outcome.stdout
    assert "secrets.detected" in summary.read_text(encoding="utf-8")
    assert bot.server.writes == 0


def test_a_read_only_token_degrades_to_workflow_annotations(bot: Bot, tmp_path: Path) -> None:
    bot.server.add_pull(7, HEAD, "b" * 40)
    bot.server.read_only = True
    summary = tmp_path / "summary.md"
    path = bot.results([result(failures=[BLOCKING])])
    outcome = bot.run(
        "comment",
        "--results",
        str(path),
        "--pr",
        "7",
        GITHUB_ACTIONS="true",
        GITHUB_STEP_SUMMARY=str(summary),
    )
    assert outcome.exit_code == 0
    assert "::error file=config/app.yml,line=4" in outcome.stdout
    assert summary.is_file()
    # the first write is refused; after that the bot stops writing
    assert [r.operation for r in bot.server.requests if r.write] == ["issues/create-comment"]


def test_dry_run_prints_comment_labels_and_annotations_without_a_token(bot: Bot) -> None:
    path = bot.results([result(failures=[BLOCKING], warnings=[WARNING])])
    outcome = bot.run("comment", "--dry-run", "--results", str(path), token=False)
    assert outcome.exit_code == 0
    assert "<!-- sentinel:comment -->" in outcome.stdout
    assert "=== labels" in outcome.stdout
    assert "needs-tests, sentinel-block" in outcome.stdout
    assert "config/app.yml:4: failure: [secrets.detected (error)] secret in config" in outcome.stdout
    assert bot.server.requests == []


def test_a_message_cannot_start_a_workflow_command_line(bot: Bot) -> None:
    sneaky = failure("bad\n::add-mask::x", "secrets.detected", "a.py", 1)
    outcome = bot.run("gate", "--results", str(bot.results([result(failures=[sneaky])])), token=False)
    assert not any(line.startswith("::") for line in outcome.stdout.splitlines())


def _raw(bot: Bot, results: list[dict[str, Any]], **record: Any) -> Path:
    document = results_document(bot.root, results)
    document["sentinel_run"].update(record)
    path = bot.root / "results.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_committed_empty_results_file_cannot_pass_when_check_breaks_on_its_config(
    git_repo: GitRepo, github: FakeGitHub
) -> None:
    git_repo.write("sentinel-results.json", "[]\n")
    git_repo.write("conftest.yml", "extract:\n  kinds: [horoscope]\n")
    git_repo.commit("sneaky")
    bot = Bot(github, git_repo.root)
    checked = bot.run("check", "--results-file", "sentinel-results.json", "-o", "sarif", token=False)
    assert checked.exit_code == 2
    outcome = bot.run("gate", "--results", "sentinel-results.json", token=False)
    assert outcome.exit_code == 2
    # The gate validates the same conftest.yml, so it stops on the configuration error first.
    assert "conftest.yml:2: extract.kinds[0]: must be one of" in outcome.stderr
    assert "PASS" not in outcome.stdout


def test_a_bare_conftest_list_is_refused(bot: Bot) -> None:
    path = bot.root / "results.json"
    path.write_text("[]", encoding="utf-8")
    outcome = bot.run("gate", "--results", str(path), token=False)
    assert outcome.exit_code == 2
    assert "no run record" in outcome.stderr


def test_an_empty_results_file_is_refused(bot: Bot) -> None:
    path = bot.root / "results.json"
    path.write_text("", encoding="utf-8")
    outcome = bot.run("gate", "--results", str(path), token=False)
    assert outcome.exit_code == 2
    assert "results file is empty" in outcome.stderr


def test_a_record_of_a_run_that_did_not_complete_is_refused(bot: Bot) -> None:
    outcome = bot.run("gate", "--results", str(_raw(bot, [result()], complete=False)), token=False)
    assert outcome.exit_code == 2
    assert "did not complete" in outcome.stderr


def test_results_written_by_another_sentinel_version_are_refused(bot: Bot) -> None:
    outcome = bot.run("gate", "--results", str(_raw(bot, [result()], sentinel_version="0.0.1")), token=False)
    assert outcome.exit_code == 2
    assert "written by Sentinel 0.0.1" in outcome.stderr


def test_results_in_which_no_input_was_evaluated_are_refused(bot: Bot) -> None:
    outcome = bot.run("gate", "--results", str(_raw(bot, [], inputs={})), token=False)
    assert outcome.exit_code == 2
    assert "no input was evaluated" in outcome.stderr


def test_a_symlink_at_the_results_path_is_refused(bot: Bot) -> None:
    real = bot.results([result()], name="real.json")
    (bot.root / "results.json").symlink_to(real)
    outcome = bot.run("gate", "--results", "results.json", token=False)
    assert outcome.exit_code == 2
    assert "symlink" in outcome.stderr


def test_results_of_another_commit_are_refused(git_repo: GitRepo, github: FakeGitHub) -> None:
    git_repo.write("policy/p.rego", 'package main\nimport rego.v1\ndeny contains "x" if false\n')
    git_repo.write("conftest.yml", "policy: [policy]\nextract:\n  kinds: [files]\n")
    git_repo.write(".gitignore", ".sentinel/\nresults.json\n")
    first = git_repo.commit("first")
    bot = Bot(github, git_repo.root)
    assert bot.run("check", "--results-file", "results.json", token=False).exit_code == 0
    assert bot.run("gate", "--results", "results.json", token=False).exit_code == 0
    git_repo.write("README.md", "later\n")
    second = git_repo.commit("second")
    outcome = bot.run("gate", "--results", "results.json", token=False)
    assert outcome.exit_code == 2
    assert f"results are for revision {first}, but {second} is checked out" in outcome.stderr
