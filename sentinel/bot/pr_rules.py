"""Pull-request rules: facts the runner cannot see (the PR description, the PR's changed files).

* ``pr.template.*``: the description completes the repository's PR template: every required
  section is present and not left as the template's text (placeholder comments removed).
* ``pr.spec.*``: a change to ``bot.spec.code_paths`` comes with a change to a spec document
  under ``bot.spec.spec_paths``, and that document has headings matching
  ``bot.spec.required_sections`` (by default acceptance criteria and invariants).

They return ``CheckResult`` records in the runner's shape, so the comment, labels and gate
treat them exactly like policy results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pathspec

from sentinel.bot.settings import BotSettings, SpecRule, TemplateRule
from sentinel.errors import SentinelError
from sentinel.runner.results import CheckResult, Location, Result

FILENAME = "pull-request"
NAMESPACE = "sentinel.pr"
TEMPLATE_CANDIDATES = (
    ".github/pull_request_template.md",
    ".github/PULL_REQUEST_TEMPLATE.md",
    "pull_request_template.md",
    "PULL_REQUEST_TEMPLATE.md",
    "docs/pull_request_template.md",
    "docs/PULL_REQUEST_TEMPLATE.md",
)
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


@dataclass(frozen=True)
class Section:
    title: str
    line: int
    content: str


def normalize_title(title: str) -> str:
    words = re.sub(r"[^\w\s-]", " ", title.lower()).split()
    return " ".join(words)


def sections(markdown: str) -> list[Section]:
    """ATX headings outside code fences, each with the text up to the next heading."""
    out: list[tuple[str, int, list[str]]] = []
    fence: str | None = None
    for number, line in enumerate(markdown.splitlines(), start=1):
        marker = _FENCE.match(line)
        if marker:
            token = marker.group(1)[0]
            fence = None if fence == token else (fence or token)
        heading = _HEADING.match(line) if fence is None else None
        if heading:
            out.append((heading.group(2), number, []))
        elif out:
            out[-1][2].append(line)
    return [Section(title, line, "\n".join(body)) for title, line, body in out]


def _meaningful(text: str) -> str:
    return " ".join(_COMMENT.sub(" ", text).split())


def _lines(text: str) -> list[str]:
    return [line for line in (" ".join(raw.split()) for raw in _COMMENT.sub(" ", text).splitlines()) if line]


def _adds_nothing(section: str, template: str) -> bool:
    """True when every line of the section is empty, a comment or a line of the template's section."""
    known = set(_lines(template))
    return all(line in known for line in _lines(section))


def _result(
    rule: str, msg: str, category: str, fix: str, blocking: bool, loc: Location | None = None
) -> Result:
    return Result(
        msg=msg,
        loc=loc,
        metadata={
            "query": f"data.{NAMESPACE}.{'deny' if blocking else 'warn'}",
            "rule": rule,
            "category": category,
            "severity": "error" if blocking else "warning",
            "fix": fix,
        },
    )


def find_template(root: Path, rule: TemplateRule) -> Path | None:
    candidates = [rule.path]
    if rule.path == TemplateRule().path:
        candidates += list(TEMPLATE_CANDIDATES)
    for candidate in candidates:
        path = root / candidate
        if path.is_file():
            return path
    return None


def check_template(
    body: str, template_text: str | None, rule: TemplateRule, template_name: str
) -> tuple[int, list[Result]]:
    """(checks passed, findings) for the PR description against the template."""
    template = {normalize_title(s.title): s for s in sections(template_text or "")}
    required = (
        rule.required_sections if rule.required_sections is not None else [s.title for s in template.values()]
    )
    if not required:
        return 0, []
    fix = f"Edit the pull request description and complete every section of {template_name}."
    if not _meaningful(body):
        msg = f"The pull request description is empty; fill in the PR template ({template_name})."
        return 0, [_result("pr.template.empty", msg, "process", fix, rule.blocking)]
    given = {normalize_title(s.title): s for s in sections(body)}
    passed = 0
    out: list[Result] = []
    for title in required:
        key = normalize_title(title)
        section = given.get(key)
        if section is None:
            msg = f"The pull request description is missing the section '{title}' from the PR template."
            out.append(_result("pr.template.missing_section", msg, "process", fix, rule.blocking))
            continue
        original = template.get(key)
        if _adds_nothing(section.content, original.content if original is not None else ""):
            msg = f"The section '{title}' of the pull request description still holds the template text."
            out.append(_result("pr.template.unchanged_section", msg, "process", fix, rule.blocking))
            continue
        passed += 1
    return passed, out


@dataclass(frozen=True)
class ChangedFile:
    path: str
    deleted: bool = False


def _spec(patterns: list[str]) -> pathspec.PathSpec:
    return pathspec.PathSpec.from_lines("gitwildmatch", patterns)


def check_spec(changed: list[ChangedFile], root: Path, rule: SpecRule) -> tuple[int, list[Result]]:
    """(checks passed, findings) for the spec-with-code rule."""
    specs = _spec(rule.spec_paths)
    code = _spec(rule.code_paths)
    spec_changes = [f for f in changed if specs.match_file(f.path) and not f.deleted]
    code_changes = [f for f in changed if code.match_file(f.path) and not specs.match_file(f.path)]
    if not code_changes:
        return 0, []
    paths = ", ".join(rule.spec_paths)
    sections_wanted = ", ".join(rule.required_sections)
    if not spec_changes:
        shown = ", ".join(f.path for f in code_changes[:5]) + (" …" if len(code_changes) > 5 else "")
        msg = (
            f"{len(code_changes)} changed file(s) under {', '.join(rule.code_paths)} ({shown}) "
            f"but no spec document under {paths} changed."
        )
        fix = f"Add or update a spec under {paths} with sections matching: {sections_wanted}."
        return 0, [_result("pr.spec.missing", msg, "spec", fix, rule.blocking)]
    passed = 1
    out: list[Result] = []
    for doc in spec_changes:
        path = root / doc.path
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError) as exc:
            raise SentinelError(f"cannot read spec document: {exc}", file=doc.path) from exc
        titles = [s.title for s in sections(text)]
        for pattern in rule.required_sections:
            if any(re.search(pattern, title, re.IGNORECASE) for title in titles):
                passed += 1
                continue
            msg = f"The spec {doc.path} has no section matching '{pattern}'."
            fix = f"Add a heading matching '{pattern}' to {doc.path} and describe it there."
            out.append(
                _result("pr.spec.missing_section", msg, "spec", fix, rule.blocking, Location(doc.path, 1))
            )
    return passed, out


def evaluate(
    settings: BotSettings,
    root: Path,
    body: str | None,
    changed: list[ChangedFile] | None,
) -> list[CheckResult]:
    """All PR-level rules as one CheckResult; rules whose facts are missing are not evaluated."""
    passed = 0
    failures: list[Result] = []
    warnings: list[Result] = []
    if settings.pr_template is not None and body is not None:
        template = find_template(root, settings.pr_template)
        if template is not None or settings.pr_template.required_sections:
            text = template.read_text(encoding="utf-8", errors="replace") if template else None
            name = template.relative_to(root).as_posix() if template else "the PR template"
            ok, found = check_template(body, text, settings.pr_template, name)
            passed += ok
            (failures if settings.pr_template.blocking else warnings).extend(found)
    if settings.spec is not None and changed is not None:
        ok, found = check_spec(changed, root, settings.spec)
        passed += ok
        (failures if settings.spec.blocking else warnings).extend(found)
    if not passed and not failures and not warnings:
        return []
    return [CheckResult(FILENAME, NAMESPACE, successes=passed, failures=failures, warnings=warnings)]


def to_json(results: list[CheckResult]) -> list[dict[str, Any]]:
    return [r.to_json() for r in results]
