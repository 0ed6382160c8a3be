"""Plan the feedback for a set of findings, then post it: sticky comment, check run, labels and,
when ``bot.review_comments`` is on, one review with inline comments.

The plan is pure (findings -> bodies, labels, annotations) so ``--dry-run`` prints exactly
what would be posted. Posting goes through the ``GitHubPort``; each step that fails is
reported and never changes the gate's verdict. A ``PermissionDenied`` on a write means the
token is read-only: posting stops and the caller degrades to workflow commands and the job
summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sentinel.bot import checks
from sentinel.bot.comment import upsert_comment
from sentinel.bot.findings import Finding
from sentinel.bot.github_port import ApiError, GitHubPort, PermissionDenied, PullRequest, RateLimited
from sentinel.bot.labels import desired_labels, sync_labels
from sentinel.bot.render import Renderer, one_line
from sentinel.bot.review import MAX_COMMENTS, ReviewPlan
from sentinel.bot.review import publish as publish_review
from sentinel.bot.settings import BotSettings


@dataclass(frozen=True)
class Feedback:
    findings: list[Finding]
    comment: str
    clean: bool
    labels: list[str]
    check: checks.CheckPlan
    # The body against the existing comment: new, fixed and still-open findings since it.
    rerender: Callable[[str], str] | None = None
    # Inline review comments (None: off, or no diff to place them on).
    review: ReviewPlan | None = None


def plan_feedback(
    findings: list[Finding],
    renderer: Renderer,
    settings: BotSettings,
    review_plan: ReviewPlan | None = None,
) -> Feedback:
    return Feedback(
        findings=findings,
        comment=renderer.comment(findings),
        clean=not findings,
        labels=desired_labels(findings, settings.labels),
        check=checks.plan_check(findings, renderer, settings),
        rerender=lambda previous: renderer.comment(findings, previous),
        review=review_plan,
    )


@dataclass
class Outcome:
    actions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    read_only: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def post(
    port: GitHubPort,
    pull: PullRequest,
    sha: str,
    feedback: Feedback,
    settings: BotSettings,
    details_url: str | None,
) -> Outcome:
    """Comment, then check run, labels and review comments; each step's failure is recorded, not raised.

    The comment goes first because it anchors the bot's state: a pull request without our
    comment has never had findings posted, so when there are findings now, no check run or
    review comment of ours can exist for it either and the bot skips looking for them.
    """
    outcome = Outcome()
    had_comment: bool | None = None

    def comment() -> str:
        nonlocal had_comment
        result = upsert_comment(
            port, pull.number, feedback.comment, feedback.clean, settings, feedback.rerender
        )
        had_comment = result.existed
        return result.action

    def check() -> str:
        look_up = had_comment is not False or feedback.clean
        return checks.publish(port, sha, feedback.check, settings, details_url, look_up)

    def labels() -> str:
        plan = sync_labels(port, pull.number, list(pull.labels), feedback.labels, settings.labels)
        return "labels " + plan.describe()

    def review_comments() -> str:
        plan = feedback.review
        if plan is None:
            return "review comments off"
        if had_comment is False and feedback.clean:
            return "review comments: none (no findings, none posted before)"
        return publish_review(port, pull.number, sha, plan, look_up=had_comment is not False).describe()

    steps = [("comment", comment), ("check", check), ("labels", labels)]
    if feedback.review is not None:
        steps.append(("review", review_comments))
    for name, step in steps:
        try:
            outcome.actions.append(step())
        except PermissionDenied as exc:
            outcome.errors.append(f"{name}: {exc}")
            outcome.read_only = True
            break
        except ApiError as exc:
            outcome.errors.append(f"{name}: {exc}")
            if isinstance(exc, RateLimited) or exc.status is None:
                break
    return outcome


def dry_run_text(feedback: Feedback, settings: BotSettings) -> str:
    """What a real run would post, for ``--dry-run``: no token and no request needed."""
    check = feedback.check
    lines = [f"=== comment ({len(feedback.comment)} characters) ==="]
    if feedback.clean:
        lines.append(
            "(no findings: an existing comment becomes the all-clear below"
            + (", or is deleted" if settings.on_clean == "delete" else "")
            + "; no new comment is created)"
        )
    lines.append(feedback.comment.rstrip("\n"))
    owned = ", ".join(settings.labels.owned)
    lines.append(f"=== labels (the bot owns: {owned}) ===")
    lines.append(", ".join(feedback.labels) if feedback.labels else "(none)")
    parts = len(checks.batches(check.output.annotations))
    lines.append(
        f"=== check run {settings.check_name!r}: {check.conclusion} - {check.output.title} "
        f"({len(check.output.annotations)} annotations in {parts} request{'s' if parts != 1 else ''}) ==="
    )
    lines.append(check.output.summary.rstrip("\n"))
    lines.append("=== annotations ===")
    for a in check.output.annotations:
        lines.append(f"{a.path}:{a.start_line}: {a.annotation_level}: [{a.title}] {one_line(a.message)}")
    if not check.output.annotations:
        lines.append("(none)")
    if feedback.review is not None:
        plan = feedback.review
        lines.append(
            f"=== review comments ({plan.mode}: {len(plan.comments)} on changed lines, "
            f"at most {MAX_COMMENTS} open at a time; existing ones are not posted again) ==="
        )
        for item in plan.comments:
            lines.append(f"--- {item.finding.location}")
            lines.append(item.body.rstrip("\n"))
        if not plan.comments:
            lines.append("(none)")
    return "\n".join(lines) + "\n"
