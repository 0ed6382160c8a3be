"""Inline review comments (bot.review_comments) against the local GitHub: placement, re-runs, fixes,
forks, GitHub's limits and rate limits.

The pull request changes line 5 of src/app.py (GitHub's patch below, three context lines); the
stand-in refuses a review comment on a line outside that patch, as GitHub does. Findings sit on
the changed line, on context lines, outside the hunk and in a file the pull request does not
touch. The bot's work tree is not a git repository here, so it reads the diff from GitHub.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sentinel.bot.diff_filter import from_pull_files
from sentinel.bot.findings import collect
from sentinel.bot.github_port import NewReviewComment, PullFile, RateLimited
from sentinel.bot.github_pygithub import PyGithubPort
from sentinel.bot.review import FIXED_TAG, MAX_COMMENTS, plan_review
from sentinel.bot.settings import ApiSettings
from sentinel.runner.results import CheckResult
from tests.bot.conftest import HEAD, Bot, failure, result
from tests.conftest import GitRepo
from testsupport.github_server import FakeGitHub

PATCH = (
    "@@ -2,7 +2,7 @@\n"
    " value_2 = 2\n value_3 = 3\n value_4 = 4\n-value_5 = 5\n+value_5 = 50\n"
    " value_6 = 6\n value_7 = 7\n value_8 = 8"
)
CHANGED = failure("changed line", "demo.changed", "src/app.py", 5, fix="Use `value_5 = 5`.")
CONTEXT = failure("context line", "demo.context", "src/app.py", 7, severity="warning")
OUTSIDE = failure("outside the hunk", "demo.outside", "src/app.py", 20)
UNCHANGED = failure("unchanged file", "demo.unchanged", "other.py", 1)
NOWHERE = failure("no location", "demo.repository")
API = ApiSettings(seconds_between_writes=0)
OUTSIDE_DIFF = "Pull request review thread line must be part of the diff"


@pytest.fixture
def pull(bot: Bot) -> Bot:
    bot.server.add_pull(7, HEAD, "b" * 40, patches={"src/app.py": PATCH})
    bot.configure(filter_mode="nofilter", review_comments="added")
    return bot


def _comment(bot: Bot, failures: list[dict[str, Any]], run_id: str = "4242") -> int:
    path = bot.results([result(failures=failures)])
    outcome = bot.run("comment", "--results", str(path), "--pr", "7", GITHUB_RUN_ID=run_id)
    return outcome.exit_code


def _placed(server: FakeGitHub) -> list[tuple[str, int]]:
    return [(c["path"], c["line"]) for c in server.review_comments_on(7)]


def test_a_first_run_posts_one_review_with_comments_on_added_lines_only(pull: Bot) -> None:
    assert _comment(pull, [CHANGED, CONTEXT, OUTSIDE, UNCHANGED, NOWHERE]) == 0
    assert len(pull.server.reviews_on(7)) == 1
    assert _placed(pull.server) == [("src/app.py", 5)]
    (comment,) = pull.server.review_comments_on(7)
    assert comment["body"].startswith("<!-- sentinel:review:v1:")
    assert "`demo.changed`" in comment["body"]
    assert "changed line" in comment["body"]
    assert "**How to fix:** Use `value_5 = 5`." in comment["body"]
    (sticky,) = pull.server.comments_on(7)
    assert "1 finding on changed lines is also commented where the code is" in sticky["body"]


def test_diff_context_mode_comments_on_the_hunks_context_lines_too(pull: Bot) -> None:
    pull.configure(review_comments="diff_context")
    assert _comment(pull, [CHANGED, CONTEXT, OUTSIDE, UNCHANGED, NOWHERE]) == 0
    assert sorted(_placed(pull.server)) == [("src/app.py", 5), ("src/app.py", 7)]


def test_review_comments_are_off_by_default(bot: Bot) -> None:
    bot.server.add_pull(7, HEAD, "b" * 40, patches={"src/app.py": PATCH})
    assert _comment(bot, [CHANGED]) == 0
    assert bot.server.reviews_on(7) == []
    assert not any(r.operation.startswith("pulls/") and "review" in r.operation for r in bot.server.requests)


def test_an_unchanged_rerun_writes_nothing(pull: Bot) -> None:
    pull.configure(review_comments="diff_context")
    assert _comment(pull, [CHANGED, CONTEXT]) == 0
    pull.server.reset_log()
    assert _comment(pull, [CHANGED, CONTEXT], run_id="4300") == 0
    assert pull.server.writes == 0
    assert len(pull.server.review_comments_on(7)) == 2
    # The PR, its sticky comment, check run and review comments: one read each; plus its files,
    # because this work tree has no git history to take the diff from.
    assert len(pull.server.requests) == 5


def test_a_fixed_finding_is_marked_resolved_and_the_others_are_not_reposted(pull: Bot) -> None:
    pull.configure(review_comments="diff_context")
    assert _comment(pull, [CHANGED, CONTEXT]) == 0
    before = {c["line"]: dict(c) for c in pull.server.review_comments_on(7)}

    moved = failure("a new one", "demo.new", "src/app.py", 6)
    assert _comment(pull, [CONTEXT, moved]) == 0
    after = {c["line"]: c for c in pull.server.review_comments_on(7)}
    assert sorted(after) == [5, 6, 7]
    assert FIXED_TAG in after[5]["body"]
    assert f"Resolved in {HEAD[:7]}" in after[5]["body"]
    assert "```suggestion" not in after[5]["body"]
    assert after[7] == before[7]  # still open: untouched
    assert len(pull.server.reviews_on(7)) == 2  # the new finding came in a review of its own

    pull.server.reset_log()
    assert _comment(pull, [CONTEXT, moved]) == 0
    assert pull.server.writes == 0


def test_a_finding_that_comes_back_gets_a_new_comment(pull: Bot) -> None:
    assert _comment(pull, [CHANGED]) == 0
    assert _comment(pull, [CONTEXT]) == 0  # CHANGED fixed; CONTEXT is not on an added line
    assert _comment(pull, [CHANGED]) == 0
    bodies = [c["body"] for c in pull.server.review_comments_on(7)]
    assert len(bodies) == 2
    assert FIXED_TAG in bodies[0] and FIXED_TAG not in bodies[1]


def test_at_most_fifty_comments_stay_open_and_a_rerun_posts_no_more(bot: Bot) -> None:
    patch = "@@ -0,0 +1,60 @@\n" + "\n".join(f"+line_{n} = {n}" for n in range(1, 61))
    bot.server.add_pull(7, HEAD, "b" * 40, files=[("src/new.py", "added")], patches={"src/new.py": patch})
    bot.configure(review_comments="added")
    many = [failure(f"finding {n}", "demo.many", "src/new.py", n) for n in range(1, 61)]
    assert _comment(bot, many) == 0
    assert len(bot.server.review_comments_on(7)) == MAX_COMMENTS
    (review,) = bot.server.reviews_on(7)
    assert "10 more on changed lines are not commented" in review["body"]
    bot.server.reset_log()
    assert _comment(bot, many) == 0
    assert bot.server.writes == 0


def test_fork_pull_requests_get_the_inline_comments_as_annotations_on_the_same_lines(
    pull: Bot, tmp_path: Path
) -> None:
    pull.server.pulls[7].head_repo = "someone/widgets"
    pull.event(7, fork=True)
    pull.configure(review_comments="diff_context")
    summary = tmp_path / "summary.md"
    path = pull.results([result(failures=[CHANGED, CONTEXT])])
    outcome = pull.run(
        "comment", "--results", str(path), GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary)
    )
    assert outcome.exit_code == 0
    assert pull.server.writes == 0
    assert pull.server.review_comments_on(7) == []
    assert "::error file=src/app.py,line=5,title=demo.changed (error)::changed line" in outcome.stdout
    assert "::error file=src/app.py,line=7,title=demo.context (warning)::context line" in outcome.stdout
    assert "demo.changed" in summary.read_text(encoding="utf-8")


def test_a_secondary_rate_limit_on_the_review_is_waited_out(pull: Bot) -> None:
    pull.server.secondary_rate_limit(retry_after=1, method="POST")
    pull.server.faults[-1].operation = "pulls/create-review"
    assert _comment(pull, [CHANGED]) == 0
    assert _placed(pull.server) == [("src/app.py", 5)]
    statuses = [r.status for r in pull.server.requests if r.operation == "pulls/create-review"]
    assert statuses == [403, 200]


def test_a_rate_limit_beyond_the_longest_wait_is_reported_and_falls_back_to_annotations(
    pull: Bot, tmp_path: Path
) -> None:
    pull.server.primary_rate_limit(reset_in=3600, times=5)
    pull.server.faults[-1].operation = "pulls/create-review"
    path = pull.results([result(failures=[CHANGED])])
    outcome = pull.run("comment", "--results", str(path), "--pr", "7", GITHUB_ACTIONS="true")
    assert outcome.exit_code == 2
    assert "review: review #7: rate limited by GitHub" in outcome.stderr
    assert "::error file=src/app.py,line=5," in outcome.stdout
    assert len(pull.server.comments_on(7)) == 1  # the sticky comment went out before
    assert pull.server.review_comments_on(7) == []


def test_the_port_retries_a_429_with_retry_after_and_counts_the_wait(github: FakeGitHub) -> None:
    github.add_pull(7, HEAD, "b" * 40, patches={"src/app.py": PATCH})
    github.secondary_rate_limit(retry_after=7)
    github.faults[-1].status = 429
    slept: list[float] = []
    port = PyGithubPort(
        github.repository, "ghs_x", github.url, ApiSettings(seconds_between_writes=0), slept.append
    )
    port.create_review(7, HEAD, "Sentinel", [NewReviewComment("src/app.py", 5, "body")])
    assert slept == [7.0]
    assert _placed(github) == [("src/app.py", 5)]


def test_the_port_gives_up_when_the_rate_limit_outlasts_its_patience(github: FakeGitHub) -> None:
    github.add_pull(7, HEAD, "b" * 40, patches={"src/app.py": PATCH})
    github.secondary_rate_limit(retry_after=600)
    slept: list[float] = []
    port = PyGithubPort(
        github.repository, "ghs_x", github.url, ApiSettings(seconds_between_writes=0), slept.append
    )
    with pytest.raises(RateLimited):
        port.create_review(7, HEAD, "Sentinel", [NewReviewComment("src/app.py", 5, "body")])
    assert slept == []


def test_the_stand_in_refuses_a_comment_outside_the_diff_as_github_does(github: FakeGitHub) -> None:
    github.add_pull(7, HEAD, "b" * 40, patches={"src/app.py": PATCH})
    port = PyGithubPort(github.repository, "ghs_x", github.url, API)
    with pytest.raises(Exception, match="422"):
        port.create_review(7, HEAD, "Sentinel", [NewReviewComment("src/app.py", 20, "body")])
    problems = github.take_errors()
    assert problems == [
        "create review: comments[0]: Pull request review thread line must be part of the diff"
    ]


def test_the_plan_never_places_a_comment_where_github_has_no_patch() -> None:
    diff = from_pull_files([PullFile("big.bin", "modified", None), PullFile("src/app.py", "modified", PATCH)])
    findings = collect(
        [CheckResult.from_json(result(failures=[failure("binary", "demo.bin", "big.bin", 1), CHANGED]))]
    )
    plan = plan_review(findings, diff, "diff_context", "", None)
    assert plan is not None
    assert [(p.finding.file, p.finding.line) for p in plan.comments] == [("src/app.py", 5)]


def test_the_flag_turns_review_comments_on_and_a_dry_run_prints_them(
    git_repo: GitRepo, github: FakeGitHub
) -> None:
    lines = [f"value_{n} = {n}\n" for n in range(1, 21)]
    git_repo.write("src/app.py", "".join(lines))
    base = git_repo.commit("base")
    lines[4] = "value_5 = 50\n"
    git_repo.write("src/app.py", "".join(lines))
    git_repo.commit("change line 5")
    bot = Bot(github, git_repo.root)
    path = bot.results([result(failures=[CHANGED, OUTSIDE])])
    outcome = bot.run(
        "comment", "--results", str(path), "--base", base, "--review-comments", "added", "--dry-run"
    )
    assert outcome.exit_code == 0, outcome.stderr
    review = outcome.stdout.split("=== review comments (added: 1 on changed lines")[1]
    assert "--- src/app.py:5\n<!-- sentinel:review:v1:" in review
    assert "outside the hunk" not in review
    assert github.requests == []


def test_a_message_quoting_the_resolved_tag_does_not_make_its_comment_resolved(pull: Bot) -> None:
    quoting = failure(f"see `{FIXED_TAG}`", "demo.quote", "src/app.py", 5)
    assert _comment(pull, [quoting]) == 0
    pull.server.reset_log()
    assert _comment(pull, [quoting]) == 0
    assert pull.server.writes == 0
    assert len(pull.server.review_comments_on(7)) == 1


def test_a_huge_message_still_fits_in_a_review_comment(pull: Bot) -> None:
    huge = failure("x" * 200_000, "demo.huge", "src/app.py", 5, fix="y" * 100_000)
    assert _comment(pull, [huge]) == 0
    (comment,) = pull.server.review_comments_on(7)
    assert len(comment["body"]) < 65_536


def test_a_first_run_with_review_comments_stays_within_the_request_budget(pull: Bot) -> None:
    for name in ("sentinel-block", "demo"):
        pull.server.create_label_state(name, "ededed", "")
    assert _comment(pull, [CHANGED, CONTEXT, OUTSIDE]) == 0
    annotations = 3
    # 8 + one per 50 annotations; the review adds one write. This work tree has no git history,
    # so the pull request's files are read from GitHub: one more read than in CI.
    assert len(pull.server.requests) <= 8 + -(-annotations // 50) + 1
    assert [r.operation for r in pull.server.requests].count("pulls/create-review") == 1
    assert "pulls/list-review-comments" not in [r.operation for r in pull.server.requests]
