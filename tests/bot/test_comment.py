"""`sentinel comment` against the local GitHub server: one sticky comment, labels and a check run."""

from __future__ import annotations

from tests.bot.conftest import HEAD, Bot, failure, result
from testsupport.github_server import FakeGitHub

LAYERING = failure(
    "domain module imports adapters.db", "architecture.layering.forbidden_import", "src/domain/a.py", 3
)
SLEEP = failure("test sleeps for 2s", "testing.async_sleep", "tests/test_a.py", 9, severity="warning")


def _blocking_run(bot: Bot) -> None:
    bot.server.add_pull(7, HEAD, "b" * 40)
    path = bot.results([result(failures=[LAYERING], warnings=[SLEEP])])
    outcome = bot.run("comment", "--results", str(path), "--pr", "7")
    assert outcome.exit_code == 0, outcome.stderr


def test_first_run_posts_one_comment_with_the_marker_and_the_finding(bot: Bot) -> None:
    _blocking_run(bot)
    comments = bot.server.comments_on(7)
    assert len(comments) == 1
    body = comments[0]["body"]
    assert body.startswith("<!-- sentinel:comment -->\n")
    assert "architecture.layering.forbidden_import" in body
    assert f"https://github.com/octo/widgets/blob/{HEAD}/src/domain/a.py#L3" in body


def test_blocking_findings_come_before_warnings(bot: Bot) -> None:
    _blocking_run(bot)
    body = bot.server.comments_on(7)[0]["body"]
    assert body.index("architecture.layering") < body.index("testing.async_sleep")


def test_first_run_adds_block_and_category_labels_created_with_their_colour(bot: Bot) -> None:
    _blocking_run(bot)
    assert sorted(bot.server.labels_on(7)) == ["needs-tests", "sentinel-block"]
    assert bot.server.labels["sentinel-block"]["color"] == "b60205"


def test_first_run_creates_a_failing_check_run_with_annotations(bot: Bot) -> None:
    _blocking_run(bot)
    (run,) = bot.server.check_runs_for(HEAD)
    assert (run["name"], run["conclusion"]) == ("Sentinel", "failure")
    levels = [(a["path"], a["start_line"], a["annotation_level"]) for a in bot.server.annotations[run["id"]]]
    assert levels == [("src/domain/a.py", 3, "failure"), ("tests/test_a.py", 9, "warning")]


def test_rerun_with_unchanged_findings_writes_nothing(bot: Bot) -> None:
    _blocking_run(bot)
    bot.server.reset_log()
    path = bot.results([result(failures=[LAYERING], warnings=[SLEEP])])
    outcome = bot.run("comment", "--results", str(path), "--pr", "7", GITHUB_RUN_ID="4243")
    assert outcome.exit_code == 0
    assert bot.server.writes == 0
    assert len(bot.server.requests) <= 4


def test_changed_findings_edit_the_comment_in_place(bot: Bot) -> None:
    _blocking_run(bot)
    first_id = bot.server.comments_on(7)[0]["id"]
    other = failure("cycle a -> b -> a", "architecture.acyclic", "src/b.py", 1)
    path = bot.results([result(failures=[LAYERING, other])])
    bot.run("comment", "--results", str(path), "--pr", "7")
    comments = bot.server.comments_on(7)
    assert [c["id"] for c in comments] == [first_id]
    assert "architecture.acyclic" in comments[0]["body"]


def test_fixed_findings_turn_the_comment_into_an_all_clear_and_remove_the_labels(bot: Bot) -> None:
    _blocking_run(bot)
    bot.run("comment", "--results", str(bot.results([result()])), "--pr", "7")
    (comment,) = bot.server.comments_on(7)
    assert "all clear" in comment["body"]
    assert bot.server.labels_on(7) == []


def test_delete_on_clean_removes_the_comment(bot: Bot) -> None:
    bot.configure(on_clean="delete")
    _blocking_run(bot)
    bot.run("comment", "--results", str(bot.results([result()])), "--pr", "7")
    assert bot.server.comments_on(7) == []


def test_a_clean_pull_request_gets_no_comment(bot: Bot) -> None:
    bot.server.add_pull(7, HEAD, "b" * 40)
    bot.run("comment", "--results", str(bot.results([result()])), "--pr", "7")
    assert bot.server.comments_on(7) == []


def test_labels_the_bot_does_not_own_are_never_touched(bot: Bot) -> None:
    bot.server.add_pull(7, HEAD, "b" * 40, labels=["bug", "Needs-Tests"])
    bot.run("comment", "--results", str(bot.results([result(failures=[LAYERING])])), "--pr", "7")
    assert sorted(bot.server.labels_on(7)) == ["bug", "sentinel-block"]


def test_label_mapping_from_config_adds_a_label_for_a_rule_glob(bot: Bot) -> None:
    bot.configure(labels={"map": {"architecture.*": "arch-review"}})
    bot.server.add_pull(7, HEAD, "b" * 40)
    bot.run("comment", "--results", str(bot.results([result(failures=[LAYERING])])), "--pr", "7")
    assert sorted(bot.server.labels_on(7)) == ["arch-review", "sentinel-block"]


def test_two_comment_ids_keep_two_separate_comments(bot: Bot) -> None:
    _blocking_run(bot)
    bot.configure(comment_id="api")
    bot.run("comment", "--results", str(bot.results([result(failures=[LAYERING])])), "--pr", "7")
    markers = sorted(c["body"].splitlines()[0] for c in bot.server.comments_on(7))
    assert markers == ["<!-- sentinel:comment -->", "<!-- sentinel:comment:api -->"]


def test_duplicate_marker_comments_are_reduced_to_one(bot: Bot, github: FakeGitHub) -> None:
    _blocking_run(bot)
    original = bot.server.comments_on(7)[0]
    duplicate = dict(original, id=original["id"] + 500)
    github.comments[duplicate["id"]] = duplicate
    bot.run("comment", "--results", str(bot.results([result(failures=[LAYERING])])), "--pr", "7")
    assert [c["id"] for c in bot.server.comments_on(7)] == [original["id"]]


def test_a_huge_result_set_is_posted_within_the_comment_limit(bot: Bot) -> None:
    bot.server.add_pull(7, HEAD, "b" * 40)
    many = [failure("x" * 900 + f" {i}", f"rules.r{i % 7}", f"src/f{i}.py", i + 1) for i in range(400)]
    outcome = bot.run("comment", "--results", str(bot.results([result(failures=many)])), "--pr", "7")
    assert outcome.exit_code == 0, outcome.stderr
    body = bot.server.comments_on(7)[0]["body"]
    assert len(body) <= 10_000
    listed = body.count(f"](https://github.com/octo/widgets/blob/{HEAD}/")
    assert 0 < listed <= 20
    assert f"{400 - listed} more findings not listed." in body
    assert "https://github.com/octo/widgets/actions/runs/4242" in body


def test_a_template_from_the_repository_overrides_the_packaged_one(bot: Bot) -> None:
    bot.write(".github/sentinel/header.md.j2", "## Policy bot says: {{ totals.blocking }} to fix\n")
    bot.configure(templates=".github/sentinel")
    _blocking_run(bot)
    assert "## Policy bot says: 1 to fix" in bot.server.comments_on(7)[0]["body"]


def test_without_a_token_comment_fails_with_exit_2_and_says_why(bot: Bot) -> None:
    bot.server.add_pull(7, HEAD, "b" * 40)
    outcome = bot.run("comment", "--results", str(bot.results([result()])), "--pr", "7", token=False)
    assert outcome.exit_code == 2
    assert "GITHUB_TOKEN" in outcome.stderr


def test_a_first_run_stays_within_the_request_budget(bot: Bot) -> None:
    bot.server.add_pull(7, HEAD, "b" * 40)
    many = [failure(f"m{i}", "testing.x", f"src/f{i % 30}.py", i + 1) for i in range(120)]
    bot.run("comment", "--results", str(bot.results([result(failures=many)])), "--pr", "7")
    annotation_requests = 3
    assert len(bot.server.requests) <= 8 + annotation_requests
    assert bot.server.writes <= 5 + annotation_requests


def test_a_rerun_after_a_push_posts_a_check_run_for_the_new_commit_only(bot: Bot) -> None:
    _blocking_run(bot)
    bot.server.pulls[7].head_sha = "e" * 40
    bot.run(
        "comment", "--results", str(bot.results([result(failures=[LAYERING], warnings=[SLEEP])])), "--pr", "7"
    )
    assert len(bot.server.check_runs_for(HEAD)) == 1
    assert len(bot.server.check_runs_for("e" * 40)) == 1
    assert len(bot.server.comments_on(7)) == 1


def test_a_recheck_comment_event_posts_to_the_pull_request_it_names(bot: Bot) -> None:
    bot.server.add_pull(9, HEAD, "b" * 40)
    event = bot.root / "event.json"
    event.write_text(
        '{"action": "created", "issue": {"number": 9, "pull_request": {"url": "x"}},'
        ' "comment": {"body": "/sentinel recheck"}}',
        encoding="utf-8",
    )
    path = bot.results([result(failures=[LAYERING])])
    outcome = bot.run(
        "comment", "--results", str(path), GITHUB_EVENT_NAME="issue_comment", GITHUB_EVENT_PATH=str(event)
    )
    assert outcome.exit_code == 0, outcome.stderr
    assert len(bot.server.comments_on(9)) == 1
    assert len(bot.server.check_runs_for(HEAD)) == 1
