"""``sentinel comment``, ``sentinel gate`` and ``sentinel pr-rules``: the pull-request bot.

comment   post (or, with --dry-run, print) the sticky comment, labels and check run.
gate      exit 1 on blocking findings, 2 when results are missing or not this run's (see
          sentinel.results_file); --post also posts feedback,
          whose failure is reported on stderr and never changes the exit code.
pr-rules  print the PR-level rule results (PR template, spec-with-code) as conftest JSON.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click

from sentinel.bot.context import from_env
from sentinel.bot.gate import verdict
from sentinel.bot.session import Session
from sentinel.bot.settings import FILTER_MODES, REVIEW_MODES
from sentinel.cli.options import config_option
from sentinel.config import Config

F = TypeVar("F", bound=Callable[..., Any])


def _apply(func: F, options: list[Callable[[F], F]]) -> F:
    for option in reversed(options):
        func = option(func)
    return func


def _context_options(func: F) -> F:
    return config_option(
        _apply(
            func,
            [
                click.option(
                    "--repo", "repo", metavar="OWNER/NAME", help="Repository (default: $GITHUB_REPOSITORY)."
                ),
                click.option(
                    "--pr", "pr", type=int, metavar="N", help="Pull request number (default: from the event)."
                ),
                click.option(
                    "--sha", "sha", metavar="SHA", help="Head commit (default: the pull request's head)."
                ),
                click.option(
                    "--api-url", "api_url", metavar="URL", help="GitHub API URL (default: $GITHUB_API_URL)."
                ),
                click.option(
                    "--base",
                    "base",
                    metavar="REV",
                    help="Base revision for `sentinel check` and the PR's changed files (default: PR base).",
                ),
            ],
        )
    )


def _results_options(func: F) -> F:
    return _apply(
        func,
        [
            click.option(
                "--results",
                "results",
                type=click.Path(path_type=Path, dir_okay=False),
                help="Results file from `sentinel check --results-file` (default: run `sentinel check`).",
            ),
            click.option(
                "--pr-rules/--no-pr-rules",
                "pr_rules",
                default=True,
                help="Evaluate PR template and spec rules.",
            ),
            click.option(
                "--report-url",
                "report_url",
                metavar="URL",
                help="Link to the full report (default: the run).",
            ),
            click.option(
                "--filter-mode",
                "filter_mode",
                type=click.Choice(FILTER_MODES),
                default=None,
                help="Findings to report and gate on: on added lines, in diff hunks, in changed files, "
                "or all (default: conftest.yml's bot.filter_mode, else added).",
            ),
            click.option(
                "--review-comments",
                "review_comments",
                type=click.Choice(REVIEW_MODES),
                default=None,
                help="Inline review comments on added lines, on diff hunks, or off "
                "(default: conftest.yml's bot.review_comments, else off).",
            ),
        ],
    )


def _session(
    config: Config,
    repo: str | None,
    pr: int | None,
    sha: str | None,
    api_url: str | None,
    report_url: str | None,
    dry_run: bool,
    filter_mode: str | None = None,
    review_comments: str | None = None,
) -> Session:
    context = from_env(os.environ).override(repository=repo, pr_number=pr, head_sha=sha, api_url=api_url)
    session = Session.create(config, context, dry_run=dry_run)
    if report_url:
        session.settings = replace(session.settings, report_url=report_url)
    if filter_mode:
        session.settings = replace(session.settings, filter_mode=filter_mode)
    if review_comments:
        session.settings = replace(session.settings, review_comments=review_comments)
    return session


def _err(text: str) -> None:
    click.echo(text, err=True)


@click.command("comment")
@_context_options
@_results_options
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print the comment, labels and annotations; post nothing (no token needed).",
)
def comment(
    config: Config,
    repo: str | None,
    pr: int | None,
    sha: str | None,
    api_url: str | None,
    base: str | None,
    results: Path | None,
    pr_rules: bool,
    report_url: str | None,
    filter_mode: str | None,
    review_comments: str | None,
    dry_run: bool,
) -> None:
    """Post the results to the pull request: one sticky comment, labels and a check run."""
    session = _session(config, repo, pr, sha, api_url, report_url, dry_run, filter_mode, review_comments)
    findings = session.findings(session.results(results, base, for_gate=False), base, pr_rules)
    outcome = session.deliver(session.feedback(findings), dry_run, click.echo)
    for note in session.notes:
        _err(f"sentinel: {note}")
    for action in outcome.actions:
        _err(f"sentinel: {action}")
    for error in outcome.errors:
        _err(f"sentinel: feedback could not be posted: {error}")
    if outcome.errors and not outcome.read_only:
        sys.exit(2)


@click.command("gate")
@_context_options
@_results_options
@click.option("--post/--no-post", "post", default=False, help="Also post the comment, labels and check run.")
@click.option("--dry-run", is_flag=True, help="With --post: print what would be posted instead.")
@click.option("--fail-on-warn", is_flag=True, help="Warnings block too.")
def gate(
    config: Config,
    repo: str | None,
    pr: int | None,
    sha: str | None,
    api_url: str | None,
    base: str | None,
    results: Path | None,
    pr_rules: bool,
    report_url: str | None,
    filter_mode: str | None,
    review_comments: str | None,
    post: bool,
    dry_run: bool,
    fail_on_warn: bool,
) -> None:
    """Exit 1 on any blocking finding, 2 when results are missing, empty or not this checkout's, else 0.

    A results file counts only with a complete run record naming the commit checked out here
    (see sentinel.results_file).

    Posting (--post) never changes the exit code: when GitHub cannot be reached the verdict is
    still reported, with a note on stderr that the feedback could not be posted.
    """
    session = _session(config, repo, pr, sha, api_url, report_url, dry_run, filter_mode, review_comments)
    findings = session.findings(session.results(results, base, for_gate=True), base, pr_rules)
    result = verdict(findings, fail_on_warn=fail_on_warn)
    if post:
        outcome = session.deliver(session.feedback(findings), dry_run, click.echo)
        for action in outcome.actions:
            _err(f"sentinel: {action}")
        for error in outcome.errors:
            _err(f"sentinel: feedback could not be posted: {error}")
    for note in session.notes:
        _err(f"sentinel: {note}")
    for line in result.lines():
        click.echo(line)
    sys.exit(result.exit_code)


@click.command("pr-rules")
@_context_options
def pr_rules_command(
    config: Config,
    repo: str | None,
    pr: int | None,
    sha: str | None,
    api_url: str | None,
    base: str | None,
) -> None:
    """Print the PR-level rule results (PR template, spec with code) as conftest JSON; exit 1 on failures."""
    from sentinel.bot import pr_rules as rules

    session = _session(config, repo, pr, sha, api_url, None, dry_run=False)
    pull = session.load_pull()
    found = []
    if pull is not None:
        changed = session.changed_files(base) if session.settings.spec is not None else None
        found = rules.evaluate(session.settings, session.root, pull.body, changed)
    for note in session.notes:
        _err(f"sentinel: {note}")
    if pull is None:
        _err("sentinel: no pull request in this context (use --pr, or run on a pull_request event)")
    click.echo(json.dumps(rules.to_json(found), indent=2))
    sys.exit(1 if any(r.failures for r in found) else 0)
