"""A rule's ``# METADATA`` block as the one source of the title, description and fix its results show.

The Rego of a rule returns what only evaluation knows (message, location, the ``rule`` id and any
severity it computes); everything written once about the rule (``title``, ``description``,
``custom.fix``, ``custom.severity``, the category of ``custom.id``, a link in
``related_resources``) is added here, after evaluation, from the annotation of the Rego rule that
produced the result (its ``query``). So ``sentinel doc``, the outputs and the bot all show the same
text, and a ``deny`` and a ``warn`` head of one rule id each keep their own severity.

Keys added: ``title``, ``description``, ``fix``, ``severity``, ``category``, ``help_uri``. The
annotation decides all of them except ``severity``: a severity the rule computed at run time wins,
the annotation's fills it in when the rule gives none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from sentinel.docs_gen import Annotation, collect
from sentinel.runner.results import CheckResult, Result

KEYS = ("title", "description", "fix", "severity", "category", "help_uri")


def _text(value: Any) -> str:
    """A one-line string, or "" for anything that is not a non-empty string (annotations are
    repository content: a YAML list or mapping where a sentence belongs is ignored, not shown)."""
    return " ".join(value.split()) if isinstance(value, str) else ""


def _help_uri(annotation: Annotation) -> str:
    for ref, _ in annotation.related_resources:
        if urlsplit(ref).scheme in ("https", "http"):
            return ref
    return ""


def fields(annotation: Annotation) -> dict[str, str]:
    """The result metadata one rule annotation gives (keys with no value left out)."""
    custom = annotation.custom
    rule_id = _text(custom.get("id"))
    category = _text(custom.get("category")) or (rule_id.split(".", 1)[0] if "." in rule_id else "")
    values = {
        "title": _text(annotation.title),
        "description": _text(annotation.description),
        "fix": _text(custom.get("fix")),
        "severity": _text(custom.get("severity")),
        "category": category,
        "help_uri": _help_uri(annotation),
    }
    return {key: value for key, value in values.items() if value}


def by_query(annotations: Iterable[Annotation]) -> dict[str, dict[str, str]]:
    """``data.<package>.<rule>`` -> its fields, for every annotated rule (the first annotation of a
    rule defined in several places)."""
    out: dict[str, dict[str, str]] = {}
    for annotation in annotations:
        if annotation.rule is not None:
            out.setdefault(f"data.{annotation.path}", fields(annotation))
    return out


def _enriched(result: Result, table: Mapping[str, dict[str, str]]) -> Result:
    known = table.get(str(result.metadata.get("query") or ""))
    if not known:
        return result
    metadata = {**result.metadata, **known}
    if result.metadata.get("severity") not in (None, ""):
        metadata["severity"] = result.metadata["severity"]
    return replace(result, metadata=metadata)


def enrich(results: list[CheckResult], annotations: Iterable[Annotation]) -> list[CheckResult]:
    """The results with the annotation fields of the rule that produced each failure, warning and
    exception (a result of an unannotated rule, or without a query, is left as it is)."""
    table = by_query(annotations)
    if not table:
        return results
    return [
        replace(
            result,
            failures=[_enriched(r, table) for r in result.failures],
            warnings=[_enriched(r, table) for r in result.warnings],
            exceptions=[_enriched(r, table) for r in result.exceptions],
            skipped=[_enriched(r, table) for r in result.skipped],
        )
        for result in results
    ]


def load(policy_paths: Sequence[str]) -> list[Annotation]:
    """The annotations of every policy under ``policy_paths`` (a malformed block is a PolicyError)."""
    return collect(list(policy_paths))
