"""Check runs: annotations 50 per request, one run per head commit, commit status as fallback."""

from __future__ import annotations

from sentinel.bot.checks import batches, build_annotations
from sentinel.bot.findings import Finding
from sentinel.bot.github_port import Annotation
from tests.bot.conftest import HEAD, Bot, failure, result


def _findings(count: int) -> list[dict[str, object]]:
    return [
        failure(f"problem {i}", "architecture.layering", f"src/m{i % 40}.py", i + 1) for i in range(count)
    ]


def _run(bot: Bot, count: int) -> None:
    path = bot.results([result(failures=_findings(count))])
    outcome = bot.run("comment", "--results", str(path), "--pr", "7")
    assert outcome.exit_code == 0, outcome.stderr


def test_annotations_are_sent_fifty_per_request(bot: Bot) -> None:
    bot.server.add_pull(7, HEAD, "b" * 40)
    _run(bot, 120)
    check_requests = [r for r in bot.server.requests if r.operation in ("checks/create", "checks/update")]
    assert [r.operation for r in check_requests] == ["checks/create", "checks/update", "checks/update"]
    (run,) = bot.server.check_runs_for(HEAD)
    assert len(bot.server.annotations[run["id"]]) == 120


def test_annotations_beyond_the_configured_maximum_are_counted_in_the_summary(bot: Bot) -> None:
    bot.configure(max_annotations=60)
    bot.server.add_pull(7, HEAD, "b" * 40)
    _run(bot, 100)
    (run,) = bot.server.check_runs_for(HEAD)
    assert len(bot.server.annotations[run["id"]]) == 60
    assert "40 findings with a location are not annotated" in run["output"]["summary"]


def test_a_rerun_on_the_same_commit_keeps_one_check_run(bot: Bot) -> None:
    bot.server.add_pull(7, HEAD, "b" * 40)
    _run(bot, 3)
    _run(bot, 3)
    assert len(bot.server.check_runs_for(HEAD)) == 1


def test_new_findings_on_the_same_commit_get_a_fresh_check_run_without_stale_annotations(bot: Bot) -> None:
    bot.server.add_pull(7, HEAD, "b" * 40)
    _run(bot, 3)
    _run(bot, 2)
    latest = max(bot.server.check_runs_for(HEAD), key=lambda r: r["id"])
    assert len(bot.server.annotations[latest["id"]]) == 2


def test_a_clean_run_after_failures_concludes_success(bot: Bot) -> None:
    bot.server.add_pull(7, HEAD, "b" * 40)
    _run(bot, 3)
    bot.run("comment", "--results", str(bot.results([result()])), "--pr", "7")
    latest = max(bot.server.check_runs_for(HEAD), key=lambda r: r["id"])
    assert latest["conclusion"] == "success"


def test_without_the_checks_permission_a_commit_status_is_set(bot: Bot) -> None:
    bot.server.add_pull(7, HEAD, "b" * 40)
    bot.server.checks_forbidden = True
    _run(bot, 2)
    (status,) = bot.server.statuses[HEAD]
    assert (status["context"], status["state"]) == ("Sentinel", "failure")
    assert status["description"] == "Sentinel: 2 blocking, 0 warnings"
    assert bot.server.check_runs == {}


def test_an_unchanged_commit_status_is_not_set_again(bot: Bot) -> None:
    bot.configure(check="status")
    bot.server.add_pull(7, HEAD, "b" * 40)
    _run(bot, 2)
    _run(bot, 2)
    assert len(bot.server.statuses[HEAD]) == 1


def test_batches_split_at_fifty() -> None:
    items = [Annotation("a.py", i, i, "failure", "m") for i in range(1, 102)]
    assert [len(b) for b in batches(items)] == [50, 50, 1]


def test_findings_without_a_file_get_no_annotation() -> None:
    located = Finding("r", "c", "error", "m", True, "a.py", 4)
    unlocated = Finding("pr.template.empty", "process", "error", "m", True)
    items, count = build_annotations([located, unlocated], limit=10)
    assert [(a.path, a.start_line) for a in items] == [("a.py", 4)]
    assert count == 1


def test_a_change_outside_the_annotations_updates_the_same_check_run(bot: Bot) -> None:
    bot.server.add_pull(7, HEAD, "b" * 40)
    located = failure("cycle", "architecture.acyclic", "src/a.py", 2)
    unlocated = failure("description is empty", "pr.template.empty", category="process")
    bot.run("comment", "--results", str(bot.results([result(failures=[located, unlocated])])), "--pr", "7")
    bot.server.reset_log()
    bot.run("comment", "--results", str(bot.results([result(failures=[located])])), "--pr", "7")
    (run,) = bot.server.check_runs_for(HEAD)
    assert run["output"]["title"] == "1 blocking, 0 warnings"
    assert len(bot.server.annotations[run["id"]]) == 1
    assert [r.operation for r in bot.server.requests if r.operation.startswith("checks/")] == [
        "checks/list-for-ref",
        "checks/update",
    ]
