"""One bot run, shared by ``sentinel comment`` and ``sentinel gate``.

Reads the results (a file, or ``sentinel check`` run in-process), adds the PR-level rules,
and delivers the feedback: through the GitHub API when the token may write, as workflow
commands and the job summary when it may not (fork pull requests), or as text (dry run).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import unidiff

from sentinel.bot import diff_filter, fork, pr_rules
from sentinel.bot.context import GitHubContext
from sentinel.bot.findings import Finding, collect, load_run
from sentinel.bot.github_port import ApiError, GitHubPort, PullRequest
from sentinel.bot.github_pygithub import PyGithubPort
from sentinel.bot.publish import Feedback, Outcome, dry_run_text, plan_feedback, post
from sentinel.bot.render import Renderer
from sentinel.bot.review import MAX_COMMENTS, ReviewPlan, plan_review
from sentinel.bot.settings import BotSettings, load_settings
from sentinel.bot.suggestions import WorkTree
from sentinel.config import Config
from sentinel.extractors.gitrepo import GitError, is_repository, name_status
from sentinel.results_file import checked_out_revision, require_evaluated
from sentinel.runner.results import CheckResult

Echo = Callable[[str], None]


def run_check(config: Config, base: str | None) -> tuple[list[CheckResult], tuple[str, ...]]:
    """``sentinel check`` in-process (extract + evaluate), imported only when it is needed: the
    results and the run's notices."""
    from sentinel.check import CheckSettings, check_run

    run = check_run(config, CheckSettings(root=config.root, base=base))
    return run.results, run.notices


@dataclass
class Session:
    config: Config
    context: GitHubContext
    settings: BotSettings
    port: GitHubPort | None
    notes: list[str] = field(default_factory=list)
    pull: PullRequest | None = None
    # The run's notices (rules not configured...), shown in the comment's footer.
    notices: tuple[str, ...] = ()
    # Findings the filter mode left out of this run's feedback and verdict.
    left_out: int = 0
    # The pull request's diff when the filter mode needed it.
    pull_diff: diff_filter.PullDiff | None = None
    # The base revision given to ``findings`` (None: the pull request's).
    base: str | None = None

    @classmethod
    def create(cls, config: Config, context: GitHubContext, dry_run: bool = False) -> Session:
        settings = load_settings(config)
        port: GitHubPort | None = None
        if not dry_run and context.token and context.repository:
            port = PyGithubPort(context.repository, context.token, context.api_url, settings.api)
        return cls(config, context, settings, port)

    @property
    def root(self) -> Path:
        return self.config.root

    def load_pull(self) -> PullRequest | None:
        """The pull request, fresh from the API when possible, else from the event payload."""
        number = self.context.pr_number
        if number is None:
            return None
        if self.port is not None:
            try:
                self.pull = self.port.get_pull(number)
            except ApiError as exc:
                self.notes.append(f"could not read pull request #{number}: {exc}")
        if self.pull is None:
            event = self.context.event.get("pull_request")
            if isinstance(event, dict) and event.get("number") == number:
                labels = tuple(
                    str(label.get("name")) for label in event.get("labels") or [] if isinstance(label, dict)
                )
                self.pull = PullRequest(
                    number=number,
                    head_sha=self.context.head_sha or "",
                    base_sha=self.context.base_sha or "",
                    body=self.context.pr_body or "",
                    title=str(event.get("title") or ""),
                    labels=labels,
                    head_repository=self.context.head_repository,
                    base_repository=self.context.repository,
                )
        if self.pull is not None and not self.context.head_sha and self.pull.head_sha:
            self.context = self.context.override(head_sha=self.pull.head_sha)
        return self.pull

    def results(self, path: Path | None, base: str | None, for_gate: bool) -> list[CheckResult]:
        """The results to judge: the file's, once its run record holds (for the gate it must name
        the commit checked out here), or a fresh in-process check. Nothing evaluated is an error."""
        if path is not None:
            found, self.notices = load_run(path, revision_of=Path.cwd() if for_gate else None)
            return found
        found, self.notices = run_check(self.config, base)
        require_evaluated(found, "sentinel check")
        return found

    def diff(self, base: str | None) -> diff_filter.PullDiff | None:
        """The pull request's diff: from git when the base is here, else GitHub's patches, else None."""
        base = base or (self.pull.base_sha if self.pull else None) or self.context.base_sha
        if base and is_repository(self.root):
            try:
                return diff_filter.from_git(self.root, base)
            except (GitError, unidiff.UnidiffParseError) as exc:
                self.notes.append(f"git diff against {base} failed ({exc}); asking GitHub for the PR's diff")
        if self.port is not None and self.pull is not None:
            try:
                files = self.port.list_pull_files(self.pull.number)
            except ApiError as exc:
                self.notes.append(f"could not list the PR's files: {exc}")
            else:
                # A pull request always changes something: an empty list says nothing about the diff.
                if files:
                    return diff_filter.from_pull_files(files)
        return None

    def changed_files(self, base: str | None) -> list[pr_rules.ChangedFile] | None:
        base = base or (self.pull.base_sha if self.pull else None) or self.context.base_sha
        if base and is_repository(self.root):
            try:
                return [
                    pr_rules.ChangedFile(path, status == "D")
                    for status, path, _old in name_status(self.root, base)
                ]
            except GitError as exc:
                self.notes.append(f"git diff against {base} failed ({exc}); asking GitHub for the PR's files")
        if self.port is not None and self.pull is not None:
            try:
                return [
                    pr_rules.ChangedFile(f.path, f.status == "removed")
                    for f in self.port.list_pull_files(self.pull.number)
                ]
            except ApiError as exc:
                self.notes.append(f"could not list the PR's files: {exc}")
        return None

    def findings(self, results: list[CheckResult], base: str | None, with_pr_rules: bool) -> list[Finding]:
        self.base = base
        pull = self.load_pull()
        extra: list[CheckResult] = []
        if with_pr_rules and pull is not None:
            changed = self.changed_files(base) if self.settings.spec is not None else None
            extra = pr_rules.evaluate(self.settings, self.root, pull.body, changed)
        return self.filtered(collect(results + extra), base)

    def filtered(self, findings: list[Finding], base: str | None) -> list[Finding]:
        """The findings ``settings.filter_mode`` keeps; counts the rest in ``left_out``."""
        mode = self.settings.filter_mode
        if mode == "nofilter" or not any(f.file for f in findings):
            return findings
        diff = self.pull_diff = self.diff(base)
        if diff is None:
            self.notes.append(f"no diff of the pull request available: filter mode {mode} not applied")
            return findings
        kept, self.left_out = diff_filter.apply(findings, mode, diff)
        if self.left_out:
            self.notes.append(
                f"{self.left_out} finding{'s' if self.left_out != 1 else ''} outside the pull request's "
                f"diff left out (filter mode {mode})"
            )
        return kept

    def review_plan(self, findings: list[Finding]) -> ReviewPlan | None:
        """The inline review comments ``bot.review_comments`` asks for, placed on the PR's diff."""
        mode = self.settings.review_comments
        if mode == "off":
            return None
        if self.pull_diff is None:
            self.pull_diff = self.diff(self.base)
        if self.pull_diff is None:
            self.notes.append("no diff of the pull request available: no review comments")
            return None
        head = self.context.head_sha or (self.pull.head_sha if self.pull else None)
        # Suggested changes quote the head version's lines: only from a checkout of that commit.
        lines = WorkTree(self.root) if head and checked_out_revision(self.root) == head else None
        return plan_review(findings, self.pull_diff, mode, self.settings.comment_id, lines)

    def feedback(self, findings: list[Finding]) -> Feedback:
        review = self.review_plan(findings)
        renderer = Renderer(self.settings, self.context, self.pull_diff)
        # The footer template reads these (and tolerates their absence in other renderers).
        renderer.env.globals.update(
            notices=list(self.notices),
            left_out=self.left_out,
            filter_mode=self.settings.filter_mode,
            inline=min(len(review.comments), MAX_COMMENTS) if review is not None else 0,
        )
        return plan_feedback(findings, renderer, self.settings, review)

    def deliver(self, feedback: Feedback, dry_run: bool, out: Echo) -> Outcome:
        """Post through the API, or degrade; never raises for API trouble."""
        if dry_run:
            out(dry_run_text(feedback, self.settings))
            return Outcome(actions=["dry run: nothing posted"])
        outcome = Outcome()
        if self.context.is_fork:
            outcome.read_only = True
            outcome.actions.append("fork pull request: read-only token, no API writes")
        elif self.port is None or self.pull is None:
            missing = [
                name
                for name, value in (
                    ("GITHUB_TOKEN", self.context.token),
                    ("GITHUB_REPOSITORY or --repo", self.context.repository),
                    ("a pull request (event payload or --pr)", self.context.pr_number),
                )
                if not value
            ]
            reason = "missing " + ", ".join(missing) if missing else "the pull request could not be read"
            outcome.errors.append(f"feedback not posted: {reason}")
        else:
            sha = self.context.head_sha or self.pull.head_sha
            outcome = post(self.port, self.pull, sha, feedback, self.settings, self.context.run_url)
        if self.context.in_actions:
            if outcome.read_only or outcome.errors:
                suggestions = feedback.review.suggestions if feedback.review else {}
                for line in fork.workflow_commands(feedback.findings, suggestions):
                    out(line)
                outcome.actions.append("findings written as workflow annotations instead")
            if self.context.step_summary is not None:
                fork.write_step_summary(self.context.step_summary, feedback.comment)
        return outcome
