"""SARIF 2.1.0 for GitHub code scanning, after conftest's output/sarif.go.

Like conftest: one run, failures at level ``error``, warnings ``warning``, exceptions ``note``,
rules added in first-seen order with ``ruleIndex``, and one invocation with the exit code.
Unlike conftest, for code scanning:

- a rule's id is the finding's full rule id (metadata ``rule``, else its query such as
  ``data.main.deny``; conftest's ``<namespace>/deny`` only when neither is known), so alerts
  group by rule; its metadata become rule properties, with ``category`` as a tag;
- locations are repository-relative POSIX URIs under ``%SRCROOT%`` with a 1-based ``startLine``
  taken from ``loc`` (1 when absent);
- every result has ``partialFingerprints["sentinel/v1"]``: a hash of rule id, file and message,
  without the line, so an alert survives code moving; repeats of the same finding in one run are
  told apart by a ``:<n>`` suffix, as CodeQL does;
- conftest's level-``none`` results for clean inputs are left out: code scanning has nothing to
  show for them.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sentinel import __version__
from sentinel.outputs.base import OutputOptions
from sentinel.outputs.common import line_number, posix_path, reject_report, silenced
from sentinel.runner.results import CheckResult, Result

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "sentinel/v1"
_KINDS = (
    # (CheckResult field, SARIF level, conftest rule type, conftest description)
    ("failures", "error", "deny", "Policy violation"),
    ("warnings", "warning", "warn", "Policy warning"),
    ("exceptions", "note", "allow", "Policy exception"),
)


def fingerprint(rule_id: str, uri: str, message: str) -> str:
    """Stable across line moves: the line is deliberately not part of it."""
    return hashlib.sha256(f"{rule_id}\0{uri}\0{message}".encode()).hexdigest()


class SarifOutputter:
    name = "sarif"

    def render(self, results: list[CheckResult], options: OutputOptions) -> str:
        reject_report(options)
        if silenced(results, options):
            return ""
        rules: list[dict[str, Any]] = []
        index: dict[str, int] = {}
        sarif_results: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        for result in results:
            for field, level, rule_type, description in _KINDS:
                item: Result
                for item in getattr(result, field):
                    rule_id = item.rule or f"{result.namespace}/{rule_type}"
                    if rule_id not in index:
                        index[rule_id] = len(rules)
                        rules.append(_rule(rule_id, item, level, description))
                    uri, line = _location(result, item)
                    digest = fingerprint(rule_id, uri, item.msg)
                    seen[digest] = seen.get(digest, 0) + 1
                    sarif_results.append({
                        "ruleId": rule_id,
                        "ruleIndex": index[rule_id],
                        "level": level,
                        "message": {"text": item.msg},
                        "locations": [{
                            "physicalLocation": {
                                "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                                "region": {"startLine": line},
                            }
                        }],
                        "partialFingerprints": {FINGERPRINT_KEY: f"{digest}:{seen[digest]}"},
                    })

        failing = any(r.failures for r in results)
        if failing:
            exit_description = "Policy violations found"
        elif any(r.warnings for r in results):
            exit_description = "Policy warnings found"
        else:
            exit_description = "No policy violations found"
        driver: dict[str, Any] = {"name": "Sentinel", "version": __version__, "semanticVersion": __version__}
        if options.tool_uri:
            driver["informationUri"] = options.tool_uri
        driver["rules"] = rules
        log = {
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": driver},
                "invocations": [{
                    "executionSuccessful": True,
                    "exitCode": 1 if failing else 0,
                    "exitCodeDescription": exit_description,
                }],
                "results": sarif_results,
            }],
        }
        # Compact: indenting makes json use its pure-Python encoder, 5x slower on large logs.
        return json.dumps(log, ensure_ascii=False, separators=(",", ":")) + "\n"


def _location(result: CheckResult, item: Result) -> tuple[str, int]:
    file = result.filename
    if item.loc is not None and item.loc.file:
        file = item.loc.file
    return posix_path(file), line_number(item.loc) or 1


def _rule(rule_id: str, item: Result, level: str, description: str) -> dict[str, Any]:
    meta = item.metadata
    short = str(meta.get("title") or meta.get("description") or description)
    help_text = str(meta.get("fix") or short)
    properties: dict[str, Any] = {k: v for k, v in sorted(meta.items()) if _jsonable(v)}
    raw_tags = meta.get("tags")
    tags = [t for t in raw_tags if isinstance(t, str)] if isinstance(raw_tags, list) else []
    if meta.get("category"):
        tags.insert(0, str(meta["category"]))
    if tags:
        properties["tags"] = list(dict.fromkeys(tags))
    return {
        "id": rule_id,
        "shortDescription": {"text": short},
        "fullDescription": {"text": str(meta.get("description") or short)},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": level},
        "properties": properties,
    }


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True
