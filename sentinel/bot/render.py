"""Findings -> Markdown: the PR comment, the all-clear comment and the check run summary.

Jinja2 templates live in ``templates/`` (package data); a repository overrides any of them by
name from the directory set in ``bot.templates``. Bodies never exceed GitHub's limits: when
the full text is too long, the renderer keeps as many findings as fit (blocking first), says
how many it left out and links to the full report.

The sticky comment is short whatever the number of findings (at most ``COMMENT_TARGET``
characters): the verdict, counts by category and severity, what changed since the last run, and
one line for each of at most ``LISTED`` findings; the full list lives in the check run's
annotations and the report. What changed is computed from a hidden list of short fingerprints
the previous comment carries (``<!-- sentinel:seen:... -->``), so no other storage is needed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jinja2

from sentinel.bot.context import GitHubContext
from sentinel.bot.diff_filter import PullDiff
from sentinel.bot.findings import FINGERPRINT_CHARS, Finding, fingerprints, severity_rank, summarize
from sentinel.bot.github_port import Annotation, CheckOutput
from sentinel.bot.settings import CHECK_SUMMARY_LIMIT, BotSettings
from sentinel.errors import SentinelError

MESSAGE_CLIP = 1_000
FIX_CLIP = 500
# The sticky comment: a screenful whatever the number of findings.
COMMENT_TARGET = 10_000
LISTED = 20
LINE_MESSAGE_CLIP = 300
LOCATION_CLIP = 120
# Fingerprints the comment carries for the next run (5 characters each).
TRACKED = 500
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_BACKTICKS = re.compile(r"`+")
# Outside code spans: what starts emphasis, links, images, raw HTML, autolinks, entities, code
# spans, strikethrough, GitHub math, table cells and ATX heading closers; and the backslash.
_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~$#])")
# At the start of a line: list items, block quotes, setext underlines, thematic breaks.
_BLOCK_START = re.compile(r"^(?:([-+=])|([0-9]{1,9})([.)]))")


def clip(text: str, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def one_line(text: Any) -> str:
    return " ".join(str(text).split())


def md(text: Any) -> str:
    """Inline Markdown from untrusted text that reads exactly as the text: one line, no raw HTML,
    no links, images, emphasis or block markers, no @-mentions.

    Backtick code spans are kept as code (their content shows verbatim, so `<number>` stays
    `<number>`); backticks without a closing run of the same length, like every other character
    with a Markdown meaning outside code spans, are backslash-escaped. Spans are found the way
    CommonMark finds them, so the renderer sees the same spans.
    """
    return _inline(text, table=False)


def cell(text: Any) -> str:
    """``md`` for a GFM table cell, where a pipe splits cells even inside a code span."""
    return _inline(text, table=True)


def _inline(text: Any, table: bool) -> str:
    value = one_line(text)
    out: list[str] = []
    pos = 0
    for opener in _BACKTICKS.finditer(value):
        if opener.start() < pos:
            continue
        closer = _closing_run(value, opener)
        if closer is None:
            continue
        span = value[opener.start() : closer.end()]
        out.append(_escape_text(value[pos : opener.start()], at_start=pos == 0))
        out.append(span.replace("|", "\\|") if table else span)
        pos = closer.end()
    out.append(_escape_text(value[pos:], at_start=pos == 0))
    return "".join(out)


def _closing_run(value: str, opener: re.Match[str]) -> re.Match[str] | None:
    """The next backtick run exactly as long as ``opener``: CommonMark's code span closer."""
    width = len(opener.group())
    for run in _BACKTICKS.finditer(value, opener.end()):
        if len(run.group()) == width:
            return run
    return None


def _escape_text(value: str, at_start: bool) -> str:
    value = _SPECIAL.sub(r"\\\1", value)
    if at_start:
        value = _BLOCK_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", value)
    return _MENTION.sub("@\u200b", value)


def code(text: Any) -> str:
    """An inline code span that shows the text verbatim, whatever backticks it holds."""
    value = one_line(text)
    if not value:
        return ""
    longest = max((len(run) for run in _BACKTICKS.findall(value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


@dataclass(frozen=True)
class Group:
    rule: str
    blocking: bool
    severity: str
    category: str
    fix: str
    items: list[dict[str, Any]]


@dataclass(frozen=True)
class Totals:
    blocking: int
    warnings: int

    @property
    def total(self) -> int:
        return self.blocking + self.warnings


def _environment(settings: BotSettings) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if settings.templates is not None:
        if not settings.templates.is_dir():
            raise SentinelError("bot.templates is not a directory", file=str(settings.templates))
        loaders.append(jinja2.FileSystemLoader(str(settings.templates)))
    loaders.append(jinja2.PackageLoader("sentinel.bot", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = md
    env.filters["cell"] = cell
    env.filters["code"] = code
    env.filters["clip"] = clip
    return env


DIGEST = re.compile(r"<!-- sentinel:digest:([0-9a-f:]+) -->")
SEEN = re.compile(r"<!-- sentinel:seen:v1:([0-9]{1,9}):([A-Za-z0-9+/]*) -->")


def seen_tag(prints: list[str], total: int) -> str:
    """The hidden record of this run's findings: how many there were and the first fingerprints."""
    return f"\n<!-- sentinel:seen:v1:{total}:{''.join(prints)} -->"


@dataclass(frozen=True)
class Seen:
    """What the previous comment recorded; ``complete`` False when it kept only the first ones."""

    prints: frozenset[str]
    complete: bool


def previous_seen(body: str) -> Seen | None:
    """The record in a previous comment's body (the last one: ours ends the body), or None."""
    found = SEEN.findall(body)
    if not found:
        return None
    total, packed = found[-1]
    if len(packed) % FINGERPRINT_CHARS:
        return None
    prints = [packed[i : i + FINGERPRINT_CHARS] for i in range(0, len(packed), FINGERPRINT_CHARS)]
    return Seen(frozenset(prints), int(total) <= len(prints))


@dataclass(frozen=True)
class Delta:
    """New, fixed and still-open counts against the previous run; everything is new on a first run."""

    first_run: bool
    new: int
    fixed: int
    still_open: int
    approximate: bool = False


def compare(prints: list[str], previous: Seen | None) -> tuple[Delta, list[bool]]:
    """The delta and, per finding, whether it is new."""
    if previous is None:
        return Delta(True, len(prints), 0, 0), [True] * len(prints)
    new = [p not in previous.prints for p in prints]
    fixed = len(previous.prints - set(prints))
    return Delta(False, sum(new), fixed, len(new) - sum(new), not previous.complete), new


def digest_tag(value: str) -> str:
    return f"\n<!-- sentinel:digest:{value} -->\n"


def body_digest(body: str) -> str | None:
    """The digest a body was rendered with: equal digests mean an edit would change nothing."""
    found = DIGEST.findall(body)
    return found[-1] if found else None


def _hash(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:16]


class Renderer:
    """Renders the bodies; each ends with a digest of its stable content.

    The digest is computed from a rendering without the per-run report link, so a re-run with
    the same findings on the same commit finds the same digest and writes nothing.
    """

    def __init__(self, settings: BotSettings, context: GitHubContext, diff: PullDiff | None = None) -> None:
        self.settings = settings
        self.context = context
        # The pull request's diff: warnings on lines it did not touch are counted, not listed.
        self.diff = diff
        self.env = _environment(settings)

    @property
    def report_url(self) -> str | None:
        return self.settings.report_url or self.context.run_url

    @property
    def check_url(self) -> str | None:
        """The pull request's checks tab (stable across runs, unlike the check run's own id)."""
        ctx = self.context
        if not ctx.repository:
            return None
        if ctx.pr_number:
            return f"{ctx.server_url}/{ctx.repository}/pull/{ctx.pr_number}/checks"
        if ctx.head_sha:
            return f"{ctx.server_url}/{ctx.repository}/commit/{ctx.head_sha}/checks"
        return None

    def touched(self, finding: Finding) -> bool:
        """Blocking findings are always listed; a warning when the PR added or changed its line."""
        return finding.blocking or self.diff is None or self.diff.keeps(finding, "added")

    def _render(self, name: str, **values: Any) -> str:
        try:
            return self.env.get_template(name).render(**values)
        except jinja2.TemplateError as exc:
            where = getattr(exc, "filename", None) or name
            line = getattr(exc, "lineno", None)
            raise SentinelError(f"template error: {exc}", file=where, line=line) from exc

    def _groups(self, findings: list[Finding]) -> list[Group]:
        groups: dict[tuple[str, bool], Group] = {}
        for f in findings:
            key = (f.rule, f.blocking)
            if key not in groups:
                groups[key] = Group(f.rule, f.blocking, f.severity, f.category, f.fix, [])
            groups[key].items.append(
                {
                    "finding": f,
                    "location": f.location,
                    "url": self.context.blob_url(f.file, f.line),
                    "message": clip(f.message, MESSAGE_CLIP),
                    "fix": clip(f.fix, FIX_CLIP) if f.fix != groups[key].fix else "",
                }
            )
        return list(groups.values())

    def _values(self, findings: list[Finding], shown: int, report_url: str | None) -> dict[str, Any]:
        visible = findings[:shown]
        groups = self._groups(visible)
        sha = self.context.head_sha or ""
        return {
            "marker": self.settings.marker,
            "totals": totals(findings),
            "rows": summarize(findings),
            "blocking_groups": [g for g in groups if g.blocking],
            "warning_groups": [g for g in groups if not g.blocking],
            "shown_blocking": sum(f.blocking for f in visible),
            "shown_warnings": sum(not f.blocking for f in visible),
            "omitted": len(findings) - shown,
            "report_url": report_url,
            "recheck_command": self.settings.recheck_command,
            "head_sha": sha,
            "short_sha": sha[:7],
            "commit_url": (
                f"{self.context.server_url}/{self.context.repository}/commit/{sha}"
                if sha and self.context.repository
                else None
            ),
            "check_name": self.settings.check_name,
            "check_url": self.check_url,
        }

    def _lines(
        self, findings: list[Finding], new: list[bool], delta: Delta
    ) -> tuple[list[dict[str, Any]], int]:
        """The findings a reader should see first (new blocking ones, then by severity), and how
        many warnings are left unlisted because the pull request did not touch their line."""
        listable = [(f, n) for f, n in zip(findings, new, strict=True) if self.touched(f)]
        listable.sort(
            key=lambda item: (
                not (item[0].blocking and item[1]),
                not item[0].blocking,
                severity_rank(item[0].severity),
                not item[1],
                item[0].sort_key(),
            )
        )
        lines = [
            {
                "rule": f.rule,
                "severity": f.severity,
                "blocking": f.blocking,
                "new": is_new and not delta.first_run,
                "location": clip(f.location, LOCATION_CLIP),
                "url": self.context.blob_url(f.file, f.line),
                "message": clip(f.message, LINE_MESSAGE_CLIP),
            }
            for f, is_new in listable
        ]
        return lines, len(findings) - len(listable)

    def _comment(
        self, template: str, findings: list[Finding], prints: list[str], previous: Seen | None, limit: int
    ) -> tuple[str, str]:
        delta, new = compare(prints, previous)
        lines, untouched = self._lines(findings, new, delta)

        def render(shown: int, extra: dict[str, Any], url: str | None) -> str:
            values = self._values(findings, 0, url)
            values.update(
                delta=delta,
                lines=lines[:shown],
                listable=len(lines),
                omitted=len(lines) - shown,
                untouched=untouched,
            )
            return self._render(template, **values, **extra)

        return fit_stable(render, min(LISTED, len(lines)), limit, self.report_url)

    def comment(self, findings: list[Finding], previous: str | None = None) -> str:
        """The sticky comment (or the all-clear when ``findings`` is empty), within the limit.

        ``previous`` is the body of the comment this one replaces: new, fixed and still-open
        counts are taken against the fingerprints it recorded. The digest comes from the
        rendering without that comparison, so an unchanged re-run finds the same digest and
        leaves the comment (and its account of the last change) as it is.
        """
        template = "comment.md.j2" if findings else "all_clear.md.j2"
        ordered = sorted(findings, key=Finding.sort_key)
        prints = fingerprints(ordered)
        limit = min(self.settings.max_comment_chars, COMMENT_TARGET) - len(digest_tag("0" * 16))
        tracked = min(TRACKED, limit // (3 * FINGERPRINT_CHARS))
        seen = seen_tag(prints[:tracked], len(prints))
        limit -= len(seen)
        body, stable = self._comment(template, ordered, prints, None, limit)
        if previous is not None:
            body, _ = self._comment(template, ordered, prints, previous_seen(previous), limit)
        return body + seen + digest_tag(_hash(stable))

    def all_clear(self, previous: str | None = None) -> str:
        return self.comment([], previous)

    def check_title(self, findings: list[Finding]) -> str:
        t = totals(findings)
        if not findings:
            return "All clear"
        return f"{t.blocking} blocking, {t.warnings} warning{'s' if t.warnings != 1 else ''}"

    def _summary(self, findings: list[Finding], not_annotated: int, limit: int) -> tuple[str, str]:
        unlocated = [f for f in findings if not f.file]
        return fit_stable(
            lambda shown, extra, url: self._render(
                "check_summary.md.j2",
                **self._values(unlocated, shown, url),
                all_totals=totals(findings),
                all_rows=summarize(findings),
                not_annotated=not_annotated,
                **extra,
            ),
            len(unlocated),
            limit,
            self.report_url,
        )

    def check_output(
        self, findings: list[Finding], annotations: list[Annotation], annotatable: int
    ) -> tuple[CheckOutput, str]:
        """The check run's title and summary (within 65,535 characters) and its digest.

        The digest is ``<summary>:<annotations>``: a re-run compares both halves to decide
        between no write, a summary-only update, and a new check run.
        """
        title = self.check_title(findings)
        conclusion = "failure" if any(f.blocking for f in findings) else "success"
        limit = CHECK_SUMMARY_LIMIT - len(digest_tag("0" * 33))
        not_annotated = annotatable - len(annotations)
        summary, stable = self._summary(findings, not_annotated, limit)
        annotations_hash = _hash(json.dumps([a.to_api() for a in annotations], sort_keys=True))
        value = f"{_hash(title, conclusion, stable)}:{annotations_hash}"
        return CheckOutput(title, summary + digest_tag(value), list(annotations)), value


def totals(findings: list[Finding]) -> Totals:
    blocking = sum(f.blocking for f in findings)
    return Totals(blocking, len(findings) - blocking)


def fit(render: Callable[[int, dict[str, Any]], str], count: int, limit: int) -> tuple[str, int]:
    """Render with as many of the first ``count`` findings as fit in ``limit`` characters.

    Returns the body and how many findings it shows. Binary search on the number shown (a
    body grows with every finding); if even the body without findings is too long (a custom
    template), it is cut with a notice.
    """
    full = render(count, {"truncated": False})
    if len(full) <= limit:
        return full, count
    low, high = 0, count - 1
    best: tuple[str, int] | None = None
    while low <= high:
        middle = (low + high) // 2
        body = render(middle, {"truncated": True})
        if len(body) <= limit:
            best, low = (body, middle), middle + 1
        else:
            high = middle - 1
    if best is not None:
        return best
    notice = "\n\n… (truncated: the body exceeded GitHub's limit)\n"
    return render(0, {"truncated": True})[: limit - len(notice)] + notice, 0


def fit_stable(
    render: Callable[[int, dict[str, Any], str | None], str], count: int, limit: int, report_url: str | None
) -> tuple[str, str]:
    """(body with the report link, the same body without it) showing the same findings.

    The search runs once, on the body without the per-run link, leaving room for the link;
    the digest of that body is what a re-run compares, so it must not depend on the run.
    """
    slack = 4 * (len(report_url) + 32) if report_url else 0
    stable, shown = fit(lambda n, extra: render(n, extra, None), count, limit - slack)
    if not report_url:
        return stable, stable
    body = render(shown, {"truncated": shown < count}, report_url)
    if len(body) > limit:
        body, _ = fit(lambda n, extra: render(n, extra, report_url), count, limit)
    return body, stable
