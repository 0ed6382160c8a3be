"""The check run on the head commit (annotations 50 per request), or a commit status as fallback.

One check run per head commit, named ``bot.check_name``. A re-run compares the digest stored
in the existing run's summary: same digest -> no write; same annotations but a different
summary -> one PATCH; different annotations -> a new check run (GitHub appends annotations on
update and cannot remove them, so updating would mix old and new). When the token may not
create check runs (403/404), a commit status with the verdict is set instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from sentinel.bot.findings import Finding
from sentinel.bot.github_port import (
    Annotation,
    CheckOutput,
    CommitStatus,
    GitHubPort,
    NotFound,
    PermissionDenied,
)
from sentinel.bot.render import Renderer, body_digest, clip
from sentinel.bot.settings import ANNOTATIONS_PER_REQUEST, BotSettings

MESSAGE_LIMIT = 4_000
TITLE_LIMIT = 255
STATUS_DESCRIPTION_LIMIT = 140


def annotation_level(finding: Finding) -> str:
    if finding.blocking:
        return "failure"
    return "notice" if finding.severity in ("info", "note") else "warning"


def build_annotations(findings: list[Finding], limit: int) -> tuple[list[Annotation], int]:
    """Annotations for located findings (blocking first), at most ``limit``; and how many had a location."""
    located = [f for f in findings if f.file]
    out = []
    for f in located[:limit]:
        line = f.line or 1
        out.append(
            Annotation(
                path=f.file,
                start_line=line,
                end_line=line,
                annotation_level=annotation_level(f),
                message=clip(f.message, MESSAGE_LIMIT),
                title=clip(f"{f.rule} ({f.severity})", TITLE_LIMIT),
                raw_details=clip(f"How to fix: {f.fix}", MESSAGE_LIMIT) if f.fix else "",
            )
        )
    return out, len(located)


def batches(items: list[Annotation], size: int = ANNOTATIONS_PER_REQUEST) -> list[list[Annotation]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


@dataclass
class CheckPlan:
    conclusion: str
    output: CheckOutput
    digest: str

    def batched(self) -> list[CheckOutput]:
        return [
            CheckOutput(self.output.title, self.output.summary, batch)
            for batch in batches(self.output.annotations)
        ]


def plan_check(findings: list[Finding], renderer: Renderer, settings: BotSettings) -> CheckPlan:
    items, located = build_annotations(findings, settings.max_annotations)
    output, digest = renderer.check_output(findings, items, located)
    conclusion = "failure" if any(f.blocking for f in findings) else "success"
    return CheckPlan(conclusion, output, digest)


def publish_check_run(
    port: GitHubPort, sha: str, plan: CheckPlan, name: str, details_url: str | None, look_up: bool = True
) -> str:
    existing = port.find_check_run(sha, name) if look_up else None
    parts = batches(plan.output.annotations)
    first, rest = plan.batched()[0], plan.batched()[1:]
    if existing is not None and existing.status == "completed":
        old = body_digest(existing.summary) or ""
        same_annotations = old.split(":")[-1] == plan.digest.split(":")[
            -1
        ] and existing.annotations_count == len(plan.output.annotations)
        if old == plan.digest and same_annotations and existing.conclusion == plan.conclusion:
            return "check run unchanged"
        if same_annotations:
            port.update_check_run(existing.id, CheckOutput(first.title, first.summary), plan.conclusion)
            return "check run updated"
    run_id = port.create_check_run(sha, name, plan.conclusion, first, details_url)
    for batch in rest:
        port.update_check_run(run_id, batch)
    return f"check run created ({len(plan.output.annotations)} annotations in {len(parts)} requests)"


def publish_status(
    port: GitHubPort, sha: str, plan: CheckPlan, name: str, target_url: str | None, look_up: bool = True
) -> str:
    state = "failure" if plan.conclusion == "failure" else "success"
    status = CommitStatus(
        context=name,
        state=state,
        description=clip(f"Sentinel: {plan.output.title}", STATUS_DESCRIPTION_LIMIT),
        target_url=target_url,
    )
    current = port.get_status(sha, name) if look_up else None
    if current is not None and (current.state, current.description) == (status.state, status.description):
        return "commit status unchanged"
    port.create_status(sha, status)
    return f"commit status set ({state})"


def publish(
    port: GitHubPort,
    sha: str,
    plan: CheckPlan,
    settings: BotSettings,
    details_url: str | None,
    look_up: bool = True,
) -> str:
    """Check run (or commit status) for ``sha``.

    ``look_up=False`` skips reading the existing run: the caller knows none of ours can exist
    (the bot posts the sticky comment before the check run, and there was no comment).
    """
    if settings.check == "off":
        return "check disabled"
    name = settings.check_name
    if settings.check == "status":
        return publish_status(port, sha, plan, name, details_url, look_up)
    try:
        return publish_check_run(port, sha, plan, name, details_url, look_up)
    except (PermissionDenied, NotFound):
        if settings.check == "check_run":
            raise
    return publish_status(port, sha, plan, name, details_url, look_up) + " (no permission for check runs)"
