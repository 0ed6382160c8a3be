"""docs/getting-started.md as a test: a repository with an old violation gets a baseline and starts
green, a new violation blocks, and the PR comment for it reads as its findings once rendered.
Then an inline review comment with a suggested change, from a real run on a fixture repository
that removes a protobuf field, posted to the local GitHub and rendered under its diff.

The comment's Markdown is rendered to one HTML page (testsupport.comment_page); headless Chromium
gives the text that page shows and captures it. ``make screenshot`` runs this module with
SENTINEL_SCREENSHOT=docs/images/pr-comment.png, so the committed images are ones these checks
passed on: the review comment's picture goes next to it, as pr-review-comment.png. The files
below are the ones the guide shows: change them together.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentinel.bot.context import GitHubContext
from sentinel.bot.findings import Finding, collect, load_results
from sentinel.bot.render import Renderer
from sentinel.bot.settings import BotSettings
from sentinel.cli import main
from tests.bot.conftest import Bot
from tests.conftest import GitRepo
from testsupport.comment_page import (
    capture,
    check_run_html,
    comment_html,
    find_chromium,
    png_size_and_colours,
    review_comment_html,
)
from testsupport.github_server import FakeGitHub

ORDERS = "def total(items):\n    # TODO handle empty lists\n    return sum(items)\n"
PAYMENTS = (
    'AWS_KEY_ID = "AKIAZ3M5QW7PLX2RT4NV"\n'
    "\n"
    "\n"
    "async def refund(order_id):\n"
    "    # FIXME refunds are never retried\n"
    "    return order_id\n"
)
# The two extractors these findings need: the whole library runs, on less input.
CONFIG = "extract:\n  kinds: [todos, secrets]\n"
WIDTH, HEIGHT = 900, 700
REVIEW_HEIGHT = 620
REVIEW_PNG = "pr-review-comment.png"
ANNOTATIONS_PNG = "check-run-annotations.png"
ANNOTATIONS_HEIGHT = 560
PROTO_HEADER = 'syntax = "proto3";\n\npackage acme.v1;\n\n'
PROTO_FIELDS = "  string id = 1;\n  string name = 2;\n"


@dataclass(frozen=True)
class Walkthrough:
    exit_codes: dict[str, int]
    head_sha: str
    findings: list[Finding]


def _sentinel(*args: str) -> int:
    return CliRunner().invoke(main, list(args), catch_exceptions=False).exit_code


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walkthrough]:
    root = tmp_path_factory.mktemp("getting-started")
    repo = GitRepo(root)
    codes: dict[str, int] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        # Fixed commit dates: the same commits, so the same screenshot, on every run.
        patch.setenv("GIT_AUTHOR_DATE", "1767607200 +0000")
        patch.setenv("GIT_COMMITTER_DATE", "1767607200 +0000")
        repo.write("conftest.yml", CONFIG)
        repo.write("app/orders.py", ORDERS)
        repo.commit("existing code")
        codes["check before the baseline"] = _sentinel("check", "-q")
        codes["baseline create"] = _sentinel("baseline", "create")
        repo.write(".gitignore", ".sentinel/\n")
        repo.commit("Sentinel baseline")
        codes["check with the baseline"] = _sentinel("check", "-q")
        repo.write("app/payments.py", PAYMENTS)
        sha = repo.commit("payments")
        codes["check with a new violation"] = _sentinel("check", "-q", "--results-file", "results.json")
        findings = collect(load_results(root / "results.json"))
    yield Walkthrough(codes, sha, findings)


def test_a_baseline_starts_green_and_only_the_new_violations_block(walkthrough: Walkthrough) -> None:
    assert walkthrough.exit_codes == {
        "check before the baseline": 1,
        "baseline create": 0,
        "check with the baseline": 0,
        "check with a new violation": 1,
    }
    blocking = [(f.rule, f.location) for f in walkthrough.findings if f.blocking]
    assert sorted(blocking) == [
        ("security.secret_in_code", "app/payments.py:1"),
        ("technical_debt.marker_without_ticket", "app/payments.py:5"),
    ]


@pytest.fixture(scope="module")
def chromium() -> str:
    found = find_chromium()
    if found is None:
        pytest.fail(
            "headless Chromium is missing: `apt-get install -y chromium` (.ci/run does it)", pytrace=False
        )
    return found


def test_the_pr_comment_shows_a_reader_its_findings(
    walkthrough: Walkthrough, chromium: str, tmp_path: Path
) -> None:
    context = GitHubContext(repository="octo/shop", pr_number=7, head_sha=walkthrough.head_sha)
    findings = walkthrough.findings
    page = tmp_path / "comment.html"
    page.write_text(comment_html(Renderer(BotSettings(), context).comment(findings)), encoding="utf-8")

    png = tmp_path / "pr-comment.png"
    text = capture(chromium, page, png, WIDTH, HEIGHT)
    assert "Sentinel: 2 blocking findings" in text
    assert "Category Severity Blocking Warnings" in text
    assert "First run: all 2 findings are new." in text
    for f in findings:
        assert f"{f.category} {f.severity} 1 0" in text
        # One line per finding. The messages quote code in backticks: a reader sees the code,
        # not the backticks.
        message = " ".join(f.message.replace("`", "").split())
        assert f"{f.rule} · {f.severity} · blocking · {f.location}: {message}" in text
    assert "refunds are never retried" in text
    assert "AWS Access Key" in text
    assert "handle empty lists" not in text  # baselined: not a finding of this pull request

    width, height, values = png_size_and_colours(png)
    assert (width, height) == (WIDTH, HEIGHT)
    assert values > 64, "the capture is blank"
    destination = os.environ.get("SENTINEL_SCREENSHOT")
    if destination:
        Path(destination).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, destination)


def test_an_inline_review_comment_shows_its_finding_and_a_suggested_change(
    git_repo: GitRepo, github: FakeGitHub, chromium: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_AUTHOR_DATE", "1767607200 +0000")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "1767607200 +0000")
    bot_config = {"filter_mode": "diff_context", "review_comments": "diff_context"}
    git_repo.write("conftest.yml", f"extract:\n  kinds: [proto]\nbot: {bot_config}\n")
    git_repo.write(".gitignore", ".sentinel/\nresults.json\n")
    git_repo.write(
        "api/user.proto", PROTO_HEADER + "message User {\n" + PROTO_FIELDS + "  string email = 3;\n}\n"
    )
    base = git_repo.commit("base")
    git_repo.write("api/user.proto", PROTO_HEADER + "message User {\n" + PROTO_FIELDS + "}\n")
    head = git_repo.commit("remove User.email")
    patch = git_repo.repo.git.diff(base, head, "--", "api/user.proto").split("\n", 4)[4]
    github.add_pull(7, head, base, patches={"api/user.proto": patch})
    bot = Bot(github, git_repo.root)
    assert bot.run("check", "--base", base, "--results-file", "results.json", token=False).exit_code == 1
    posted = bot.run("comment", "--results", "results.json", "--pr", "7", "--base", base)
    assert posted.exit_code == 0, posted.stderr

    (comment,) = github.review_comments_on(7)
    page = tmp_path / "review.html"
    page.write_text(
        review_comment_html(comment["body"], comment["path"], patch, comment["line"], github.bot_login),
        encoding="utf-8",
    )
    png = tmp_path / REVIEW_PNG
    text = capture(chromium, page, png, WIDTH, REVIEW_HEIGHT)
    assert "protocol.field_removed_without_reserve · high · blocking" in text
    assert "field acme.v1.User.email (number 3) was removed without reserving its number and name." in text
    assert 'How to fix: Add reserved <number>; and reserved "<name>"; to the message' in text
    assert 'Suggested change-message User {+message User {+ reserved 3;+ reserved "email";' in text
    assert "```" not in text and "sentinel:review" not in text

    width, height, values = png_size_and_colours(png)
    assert (width, height) == (WIDTH, REVIEW_HEIGHT)
    assert values > 64, "the capture is blank"
    destination = os.environ.get("SENTINEL_SCREENSHOT")
    if destination:
        shutil.copyfile(png, Path(destination).with_name(REVIEW_PNG))


def test_the_check_run_shows_each_finding_as_an_annotation_on_its_line(
    git_repo: GitRepo, github: FakeGitHub, chromium: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The getting-started pull request, posted to the GitHub stand-in: its check run carries one
    annotation per finding, on the line the finding names, with the rule as title."""
    monkeypatch.setenv("GIT_AUTHOR_DATE", "1767607200 +0000")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "1767607200 +0000")
    git_repo.write("conftest.yml", CONFIG)
    git_repo.write(".gitignore", ".sentinel/\nresults.json\n")
    git_repo.write("app/orders.py", ORDERS)
    base = git_repo.commit("existing code")
    git_repo.write("app/payments.py", PAYMENTS)
    head = git_repo.commit("payments")
    github.add_pull(7, head, base)
    bot = Bot(github, git_repo.root)
    assert bot.run("check", "--base", base, "--results-file", "results.json", token=False).exit_code == 1
    posted = bot.run("comment", "--results", "results.json", "--pr", "7", "--base", base)
    assert posted.exit_code == 0, posted.stderr

    (run,) = github.check_runs_for(head)
    annotations = github.annotations[run["id"]]
    placed = sorted((a["path"], a["start_line"], a["annotation_level"], a["title"]) for a in annotations)
    assert placed == [
        ("app/payments.py", 1, "failure", "security.secret_in_code (critical)"),
        ("app/payments.py", 5, "failure", "technical_debt.marker_without_ticket (medium)"),
    ]
    sources = {"app/payments.py": PAYMENTS, "app/orders.py": ORDERS}
    page = tmp_path / "check-run.html"
    page.write_text(check_run_html(run, annotations, sources), encoding="utf-8")
    png = tmp_path / ANNOTATIONS_PNG
    text = capture(chromium, page, png, WIDTH, ANNOTATIONS_HEIGHT)
    assert "Annotations: 2" in text
    assert "app/payments.py#L5" in text and "# FIXME refunds are never retried" in text
    assert "app/payments.py#L1" in text
    # The secret's value never reaches the annotation (the source line shown is the page's own fixture).
    assert all("AKIAZ3M5QW7PLX2RT4NV" not in a["message"] for a in annotations)

    width, height, values = png_size_and_colours(png)
    assert (width, height) == (WIDTH, ANNOTATIONS_HEIGHT)
    assert values > 64, "the capture is blank"
    destination = os.environ.get("SENTINEL_SCREENSHOT")
    if destination:
        shutil.copyfile(png, Path(destination).with_name(ANNOTATIONS_PNG))
