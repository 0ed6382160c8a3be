"""SARIF 2.1.0 for GitHub code scanning, after conftest's output/sarif.go.

Like conftest: one run, failures at level ``error``, warnings ``warning``, rules added in
first-seen order with ``ruleIndex``, and one invocation with the exit code. Unlike conftest, for
code scanning:

- a rule's id is the finding's full rule id (metadata ``rule``, else its query such as
  ``data.main.deny``; conftest's ``<namespace>/deny`` only when neither is known), so alerts
  group by rule. The rule reads the metadata of its findings: ``title`` (shortDescription),
  ``description`` (fullDescription), ``fix`` (help), ``help_uri`` (helpUri), ``category`` (a tag;
  rules of category ``security`` also get GitHub's ``security-severity`` from ``severity``);
- exceptions (conftest's, the baseline's, ``--new-only``'s) are results at level ``error`` with an
  external suppression and its justification, so code scanning shows them as closed alerts;
- locations are repository-relative POSIX URIs (percent-encoded) under ``%SRCROOT%`` with a
  1-based ``startLine`` (1 when absent). A finding with no file in the repository (an input document under
  ``.sentinel/``, stdin, a path outside the tree) points at the configuration file, line 1: code
  scanning rejects the whole upload when one result has no location;
- every result has ``partialFingerprints["sentinel/v1"]``, computed as the baseline's
  (:mod:`sentinel.fingerprint`): rule id, file and the source line's content, else the finding's
  own metadata, else its message without numbers. Neither the line number nor, when the source
  line can be read, the message's wording is part of it;
- at most ``MAX_RESULTS`` results (GitHub's limit per run), the most severe kept; a notification
  says how many were left out. ``OutputOptions.notices`` become configuration notifications;
- conftest's level-``none`` results for clean inputs are left out: code scanning has nothing to
  show for them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from sentinel import __version__
from sentinel.config import DEFAULT_FILES, find_config
from sentinel.fingerprint import Located, fingerprints, metadata_anchor
from sentinel.outputs.base import OutputOptions
from sentinel.outputs.common import line_number, plural, posix_path, reject_report, silenced
from sentinel.runner.results import CheckResult, Result

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "sentinel/v1"
# GitHub code scanning refuses a run with more results than this (and shows the 5,000 most severe).
MAX_RESULTS = 25_000
# The values GitHub documents for its critical, high, medium and low buckets.
SECURITY_SEVERITY = {"critical": "9.0", "high": "7.0", "medium": "5.0", "low": "3.0"}
DOCS_PAGE = "docs/policies.md"
MAX_TAGS = 10
TRUNCATED_ID = "sentinel/results-truncated"
_SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
_LEVEL_RANK = {"error": 0, "warning": 1, "note": 2}
_KINDS = (
    # (CheckResult field, SARIF level, conftest rule type, fallback description)
    ("failures", "error", "deny", "Policy violation"),
    ("warnings", "warning", "warn", "Policy warning"),
    ("exceptions", "error", "allow", "Policy exception"),
)
# Kept out of a rule's properties: metadata of one finding, not of its rule, and what the rule
# already says in its own fields.
_NOT_PROPERTIES = frozenset({
    "_loc", "baselined", "baseline_reason", "existing_at_base", "tags", "security-severity",
    "title", "description", "fix", "help_uri",
})
# conftest's message for a rule switched off by an `exception` rule (sentinel.runner.evaluate).
_CONFTEST_EXCEPTION = re.compile(r'data\.(?P<namespace>.+)\.exception\[_\]\[_\] == "(?P<rule>[^"]*)"')
_SLUG_DROP = re.compile(r"[^\w\- ]")
_DRIVE = re.compile(r"[A-Za-z]:/")


@dataclass(frozen=True)
class _Finding:
    rule_id: str
    item: Result
    level: str
    description: str
    suppressed: bool
    # Repository-relative POSIX path, or None for a finding about the repository as a whole.
    path: str | None
    line: int | None

    @property
    def rank(self) -> tuple[int, int]:
        """Most severe first: open errors, warnings, then suppressed; by ``severity`` within."""
        level = len(_LEVEL_RANK) if self.suppressed else _LEVEL_RANK[self.level]
        return level, _SEVERITY_RANK.get(_severity(self.item.metadata), len(_SEVERITY_RANK))


class SarifOutputter:
    name = "sarif"

    def __init__(self, root: Path | None = None, max_results: int = MAX_RESULTS) -> None:
        """``root``: the checked-out tree the findings' files are read from for fingerprints and
        the configuration file (default: the current directory, as ``sentinel check`` runs)."""
        self.root = root
        self.max_results = max_results

    def render(self, results: list[CheckResult], options: OutputOptions) -> str:
        reject_report(options)
        if silenced(results, options):
            return ""
        root = self.root if self.root is not None else Path.cwd()
        found = _findings(results)
        located = [Located(f.rule_id, f.path or "", f.line, f.item.msg, metadata_anchor(f.item.metadata))
                   for f in found]
        prints = fingerprints(located, root)
        order = sorted(range(len(found)), key=lambda i: (found[i].rank, i))
        kept = sorted(order[: self.max_results])
        left_out = [found[i] for i in order[self.max_results:]]

        anchor = _configuration_uri(root)
        rules: list[dict[str, Any]] = []
        index: dict[str, int] = {}
        by_rule: dict[str, list[_Finding]] = {}
        for i in kept:
            by_rule.setdefault(found[i].rule_id, []).append(found[i])
        sarif_results: list[dict[str, Any]] = []
        for i in kept:
            finding = found[i]
            if finding.rule_id not in index:
                index[finding.rule_id] = len(rules)
                rules.append(_rule(finding.rule_id, by_rule[finding.rule_id], options.tool_uri))
            sarif_results.append(_result(finding, index[finding.rule_id], prints[i], anchor))

        failing = any(r.failures for r in results)
        if failing:
            exit_description = "Policy violations found"
        elif any(r.warnings for r in results):
            exit_description = "Policy warnings found"
        else:
            exit_description = "No policy violations found"
        invocation: dict[str, Any] = {
            "executionSuccessful": True,
            "exitCode": 1 if failing else 0,
            "exitCodeDescription": exit_description,
        }
        if options.notices:
            invocation["toolConfigurationNotifications"] = [
                {"level": "note", "message": {"text": notice}} for notice in options.notices
            ]
        if left_out:
            invocation["toolExecutionNotifications"] = [_truncation_notice(left_out, self.max_results)]
        driver: dict[str, Any] = {"name": "Sentinel", "version": __version__, "semanticVersion": __version__}
        if options.tool_uri:
            driver["informationUri"] = options.tool_uri
        driver["rules"] = rules
        log = {
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": driver},
                "invocations": [invocation],
                "results": sarif_results,
            }],
        }
        # Compact: indenting makes json use its pure-Python encoder, 5x slower on large logs.
        return json.dumps(log, ensure_ascii=False, separators=(",", ":")) + "\n"


def _findings(results: list[CheckResult]) -> list[_Finding]:
    found: list[_Finding] = []
    for result in results:
        for field, level, rule_type, description in _KINDS:
            item: Result
            for item in getattr(result, field):
                rule_id = item.rule or _excepted_rule(item.msg) or f"{result.namespace}/{rule_type}"
                path, line = _location(result, item)
                found.append(_Finding(rule_id, item, level, description, field == "exceptions", path, line))
    return found


def _excepted_rule(message: str) -> str | None:
    """The library rule id (``<category>.<rule>``) a conftest exception switches off, when the
    exception is in the rule's own package ``sentinel.<category>.<rule>``."""
    match = _CONFTEST_EXCEPTION.fullmatch(message)
    if match is None:
        return None
    namespace, rule = match["namespace"], match["rule"]
    parts = namespace.split(".")
    if len(parts) == 3 and parts[0] == "sentinel" and parts[2] == rule:
        return f"{parts[1]}.{rule}"
    return None


def _location(result: CheckResult, item: Result) -> tuple[str | None, int | None]:
    """The finding's repository file and line; no file when it is not in the repository."""
    file = item.loc.file if item.loc is not None and item.loc.file else result.filename
    line = line_number(item.loc)
    path = posix_path(file)
    parts = path.split("/")
    outside = not path or path == "-" or path.startswith("/") or _DRIVE.match(path) is not None
    if outside or ".." in parts or ".sentinel" in parts:
        return None, None
    return path, line


def _configuration_uri(root: Path) -> str:
    """Where a finding about the repository as a whole points: its configuration file (the one
    ``sentinel check`` reads, else the default name), where rules are configured and excepted."""
    found = find_config(root)
    return found.name if found is not None else DEFAULT_FILES[0]


def _result(finding: _Finding, rule_index: int, fingerprint: str, anchor: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": finding.level,
        "message": {"text": finding.item.msg or finding.description},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": quote(finding.path or anchor), "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": finding.line or 1},
            }
        }],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if finding.suppressed:
        out["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": _justification(finding)}
        ]
    return out


def _justification(finding: _Finding) -> str:
    meta = finding.item.metadata
    for key in ("baseline_reason", "reason", "justification"):
        value = meta.get(key)
        if isinstance(value, str) and value.strip():
            return value
    commit = meta.get("existing_at_base")
    if isinstance(commit, str) and commit:
        return f"already present at base commit {commit} (--new-only)"
    return finding.item.msg or finding.description


def _truncation_notice(left_out: list[_Finding], limit: int) -> dict[str, Any]:
    errors = sum(1 for f in left_out if not f.suppressed and f.level == "error")
    warnings = sum(1 for f in left_out if not f.suppressed and f.level == "warning")
    suppressed = sum(1 for f in left_out if f.suppressed)
    parts = [f"{errors} {plural('error', errors)}" if errors else "",
             f"{warnings} {plural('warning', warnings)}" if warnings else "",
             f"{suppressed} suppressed" if suppressed else ""]
    count = len(left_out)
    return {
        "level": "warning",
        "descriptor": {"id": TRUNCATED_ID},
        "message": {
            "text": f"{count} {plural('result', count)} left out ({', '.join(p for p in parts if p)}): "
            f"GitHub code scanning takes at most {limit:,} per run, so the most severe were kept. "
            "Every finding is in the json output."
        },
    }


def _severity(meta: dict[str, Any]) -> str:
    value = meta.get("severity")
    return value.lower() if isinstance(value, str) else ""


def _text(meta: dict[str, Any], key: str) -> str:
    value = meta.get(key)
    return value.strip() if isinstance(value, str) else ""


def _rule(rule_id: str, findings: list[_Finding], tool_uri: str | None) -> dict[str, Any]:
    """One rules[] entry; metadata merged over the rule's findings (first non-empty value wins,
    the most severe ``severity`` and level)."""
    meta: dict[str, Any] = {}
    for finding in findings:
        for key, value in finding.item.metadata.items():
            if key not in meta or meta[key] in ("", None):
                meta[key] = value
    severities = [s for s in (_severity(f.item.metadata) for f in findings) if s in _SEVERITY_RANK]
    if severities:
        meta["severity"] = min(severities, key=_SEVERITY_RANK.__getitem__)
    level = min((f.level for f in findings), key=_LEVEL_RANK.__getitem__)
    fallback = findings[0].description

    title, description, fix = _text(meta, "title"), _text(meta, "description"), _text(meta, "fix")
    short = title or _first_sentence(description) or f"{fallback}: {rule_id}"
    full = description or short
    properties: dict[str, Any] = {
        k: v for k, v in sorted(meta.items()) if k not in _NOT_PROPERTIES and _jsonable(v)
    }
    category = _text(meta, "category")
    raw_tags = meta.get("tags")
    tags = [t for t in raw_tags if isinstance(t, str) and t] if isinstance(raw_tags, list) else []
    if category == "security":
        tags[:0] = ["security"]
        if meta.get("severity") in SECURITY_SEVERITY:
            properties["security-severity"] = SECURITY_SEVERITY[meta["severity"]]
    elif category:
        tags.insert(0, category)
    if tags:
        properties["tags"] = list(dict.fromkeys(tags))[:MAX_TAGS]
    help_uri = _help_uri(meta, rule_id, title, tool_uri)
    markdown = [f"**Fix:** {fix}" if fix else full]
    if fix and description:
        markdown.append(description)
    if help_uri:
        markdown.append(f"[Documentation]({help_uri})")
    rule: dict[str, Any] = {
        "id": rule_id,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": fix or full, "markdown": "\n\n".join(markdown)},
        "defaultConfiguration": {"level": level},
        "properties": properties,
    }
    if help_uri:
        rule["helpUri"] = help_uri
    return rule


def _first_sentence(text: str) -> str:
    return text.split(". ", 1)[0].rstrip(".") if text else ""


def _help_uri(meta: dict[str, Any], rule_id: str, title: str, tool_uri: str | None) -> str | None:
    """``help_uri`` when it is an absolute http(s) URI; a relative one (such as
    ``docs/policies.md#...``) resolved against the tool's URI. A library rule without one gets its
    section of ``docs/policies.md`` when the tool's URI is known. Anything else is left out:
    metadata is repository content, and code scanning links helpUri from every alert."""
    raw = _text(meta, "help_uri")
    if not raw:
        query = meta.get("query")
        if not (title and isinstance(query, str) and query.startswith("data.sentinel.")):
            return None
        raw = f"{DOCS_PAGE}#{_slug(f'{rule_id} - {title}')}"
    parts = urlsplit(raw)
    if parts.scheme:
        return raw if parts.scheme in ("http", "https") and parts.netloc else None
    if not tool_uri or parts.netloc or raw.startswith("/") or ".." in PurePosixPath(parts.path).parts:
        return None
    return urljoin(tool_uri.rstrip("/") + "/", raw)


def _slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading (as docs/policies.md headings render)."""
    return _SLUG_DROP.sub("", heading.strip().lower()).replace(" ", "-")


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True
