"""Inline review comments: findings on the lines a pull request changed, where the code is.

Opt-in with ``bot.review_comments``: ``added`` (lines the pull request adds or changes) or
``diff_context`` (any line of the diff's hunks), reviewdog's filters. Lines GitHub cannot place
a comment on (outside the hunks, files whose patch GitHub leaves out) never get one.

One run posts at most one review (event ``COMMENT``) holding the comments not already there.
Each comment body starts with a hidden marker carrying the finding's fingerprint
(``<!-- sentinel:review:v1:<fingerprint> -->``, the sticky comment's five-character hash of
rule, file and message), so a re-run knows what it posted:

- a finding whose comment is there is not posted again (an unchanged re-run writes nothing);
- a comment whose finding is gone is edited once to say it was resolved in the head commit,
  and keeps its place in the conversation. GitHub's REST API can neither resolve a review
  thread nor minimise a comment (both are GraphQL mutations), so the edit is what the bot does.

GitHub's limits: a comment body stays under 65,536 characters; at most ``MAX_COMMENTS``
comments of ours are open at a time (blocking findings first); the rest are counted in the
review's body and listed in the check run, and a re-run does not post them either (so it writes
nothing). Rate limits are the port's (``retry-after``, ``x-ratelimit-reset``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sentinel.bot.diff_filter import PullDiff
from sentinel.bot.findings import Finding, fingerprints
from sentinel.bot.github_port import GitHubPort, NewReviewComment, NotFound, PermissionDenied, ReviewComment
from sentinel.bot.render import clip, code, md
from sentinel.bot.suggestions import LineSource, block, suggest

MAX_COMMENTS = 50
BODY_LIMIT = 65_536
MESSAGE_CLIP = 2_000
FIX_CLIP = 1_000
_MARKER = re.compile(r"\A<!-- sentinel:review(?::([A-Za-z0-9_.-]+))?:v1:([A-Za-z0-9+/]{1,16}) -->")
FIXED_TAG = "<!-- sentinel:review:fixed -->"


def marker(comment_id: str, fingerprint: str) -> str:
    suffix = f":{comment_id}" if comment_id else ""
    return f"<!-- sentinel:review{suffix}:v1:{fingerprint} -->"


@dataclass(frozen=True)
class Planned:
    finding: Finding
    fingerprint: str
    line: int
    body: str
    suggestion: list[str] | None = None

    def to_new(self) -> NewReviewComment:
        return NewReviewComment(self.finding.file, self.line, self.body)


@dataclass(frozen=True)
class ReviewPlan:
    mode: str
    comment_id: str
    # Findings on lines the review may comment on, most important first.
    comments: list[Planned]
    # The fingerprints of every finding of this run: a comment of ours outside them is resolved.
    current: frozenset[str] = field(default_factory=frozenset)

    @property
    def suggestions(self) -> dict[Finding, list[str]]:
        return {p.finding: p.suggestion for p in self.comments if p.suggestion}


def placeable(finding: Finding, diff: PullDiff, mode: str) -> bool:
    """Whether GitHub can show a comment on the finding's line under ``mode``."""
    if not finding.file or finding.line is None:
        return False
    lines = diff.files.get(finding.file)
    if lines is None or not lines.known:
        return False
    return finding.line in (lines.added if mode == "added" else lines.context)


def comment_body(finding: Finding, fingerprint: str, comment_id: str, suggestion: list[str] | None) -> str:
    icon = ":x:" if finding.blocking else ":warning:"
    kind = "blocking" if finding.blocking else "warning"
    parts = [
        marker(comment_id, fingerprint),
        f"{icon} **{code(finding.rule)}** · {md(finding.severity)} · {kind}",
        "",
        md(clip(finding.message, MESSAGE_CLIP)),
    ]
    if finding.fix:
        parts += ["", f"**How to fix:** {md(clip(finding.fix, FIX_CLIP))}"]
    if suggestion:
        parts += ["", "Sentinel suggests this change:", ""]
        parts.append(block(suggestion))
    body = "\n".join(parts) + "\n"
    if len(body) > BODY_LIMIT:  # a huge suggested line: drop the suggestion, never the finding
        return comment_body(finding, fingerprint, comment_id, None)
    return body


def plan_review(
    findings: list[Finding], diff: PullDiff | None, mode: str, comment_id: str, lines: LineSource | None
) -> ReviewPlan | None:
    """The review comments this run's findings call for; None when the feature is off or no diff."""
    if mode == "off" or diff is None:
        return None
    ordered = sorted(findings, key=Finding.sort_key)
    prints = fingerprints(ordered)
    planned: list[Planned] = []
    for finding, fingerprint in zip(ordered, prints, strict=True):
        if finding.line is None or not placeable(finding, diff, mode):
            continue
        suggestion = suggest(finding, lines)
        body = comment_body(finding, fingerprint, comment_id, suggestion)
        planned.append(Planned(finding, fingerprint, finding.line, body, suggestion))
    return ReviewPlan(mode, comment_id, planned, frozenset(prints))


@dataclass(frozen=True)
class Ours:
    comment: ReviewComment
    fingerprint: str
    fixed: bool


def ours(comments: list[ReviewComment], comment_id: str) -> list[Ours]:
    out = []
    for c in comments:
        found = _MARKER.match(c.body)
        if found is None or (found[1] or "") != comment_id:
            continue
        # The tag is the second line when the bot wrote it; a message quoting it does not count.
        out.append(Ours(c, found[2], c.body.split("\n", 2)[1:2] == [FIXED_TAG]))
    return out


def resolved_body(previous: str, sha: str) -> str:
    """The comment, edited once its finding is gone: the note first, the finding kept below it
    (without its suggestion, which must not be applied any more)."""
    head, _, rest = previous.partition("\n")
    text = rest.split("Sentinel suggests this change:", 1)[0].split("\n```", 1)[0].rstrip()
    text = clip(text, MESSAGE_CLIP + FIX_CLIP + 500)
    return (
        f"{head}\n{FIXED_TAG}\n:white_check_mark: **Resolved in {sha[:7]}**: Sentinel no longer reports "
        f"this on the pull request.\n\n<details><summary>The finding</summary>\n\n{text}\n\n</details>\n"
    )


def review_summary(posted: int, held_back: int) -> str:
    noun = "finding" if posted == 1 else "findings"
    text = f"Sentinel: {posted} {noun} on lines this pull request changed, commented below."
    if held_back:
        text += (
            f" {held_back} more on changed lines are not commented "
            f"(at most {MAX_COMMENTS} open comments); the check run lists them all."
        )
    return text + " The summary is in Sentinel's pull-request comment."


@dataclass
class ReviewResult:
    posted: int = 0
    resolved: int = 0
    kept: int = 0

    def describe(self) -> str:
        if not self.posted and not self.resolved:
            return f"review comments unchanged ({self.kept} open)"
        return f"review: {self.posted} comments posted, {self.resolved} resolved, {self.kept} kept"


def publish(port: GitHubPort, number: int, sha: str, plan: ReviewPlan, look_up: bool = True) -> ReviewResult:
    """Post the missing comments in one review and mark the stale ones resolved.

    ``look_up`` False skips listing the existing comments: the caller knows the bot never posted
    on this pull request (it had no sticky comment, which every run with findings leaves).
    """
    existing = ours(port.list_review_comments(number), plan.comment_id) if look_up else []
    open_prints = {o.fingerprint for o in existing if not o.fixed}
    result = ReviewResult()
    missing = [p for p in plan.comments if p.fingerprint not in open_prints]
    result.kept = len(plan.comments) - len(missing)
    # At most MAX_COMMENTS of ours stay open: a re-run does not post the ones held back.
    batch = missing[: max(0, MAX_COMMENTS - result.kept)]
    if batch:
        port.create_review(
            number, sha, review_summary(len(batch), len(missing) - len(batch)), [p.to_new() for p in batch]
        )
        result.posted = len(batch)
    for item in existing:
        if item.fixed or item.fingerprint in plan.current:
            continue
        try:
            port.update_review_comment(item.comment.id, resolved_body(item.comment.body, sha))
        except NotFound:
            continue  # deleted meanwhile
        except PermissionDenied:
            # Someone else's comment that copied our marker may not be edited: leave it. The
            # bot's own comment refused means a read-only token: the caller degrades.
            if item.comment.author.endswith("[bot]"):
                raise
            continue
        result.resolved += 1
    return result
