"""GitLab Code Quality (a subset of Code Climate's issue format), for ``artifacts:reports:codequality``.

One JSON array; per open finding (failures and warnings; exceptions are accepted and left out):
``type`` ``issue``, ``description`` (the message), ``check_name`` (the rule id, else the query
such as ``data.main.deny``), ``fingerprint``, ``severity`` and ``location.path`` with
``location.lines.begin``, the fields GitLab's documentation lists
(https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format).

- ``severity`` is one of GitLab's ``info``, ``minor``, ``major``, ``critical``, ``blocker``: from the
  rule's metadata ``severity`` (``critical`` stays ``critical``, ``high``/``error`` are ``major``,
  ``medium``/``warning`` ``minor``, ``low``/``info``/``note`` ``info``), else ``major`` for a
  failure and ``minor`` for a warning;
- ``fingerprint`` is the SHA-256 of SARIF's ``sentinel/v1`` fingerprint (:mod:`sentinel.fingerprint`):
  rule, file and the source line's content, so GitLab's merge-request widget matches a finding
  between the base and the head pipeline even when lines moved above it, and two findings of one
  rule in one file stay apart;
- a finding with no file in the repository (an input document under ``.sentinel/``, stdin, a
  path outside the tree) points at the configuration file, line 1, as SARIF does.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sentinel.config import DEFAULT_FILES, find_config
from sentinel.fingerprint import Located, fingerprints, metadata_anchor
from sentinel.outputs.base import OutputOptions
from sentinel.outputs.common import line_number, posix_path, reject_report, silenced
from sentinel.runner.results import CheckResult, Result

SEVERITIES = ("info", "minor", "major", "critical", "blocker")
_FROM_METADATA = {
    "blocker": "blocker",
    "critical": "critical",
    "high": "major",
    "error": "major",
    "major": "major",
    "medium": "minor",
    "warning": "minor",
    "minor": "minor",
    "low": "info",
    "info": "info",
    "note": "info",
}
_DEFAULT = {"failures": "major", "warnings": "minor"}


def severity(item: Result, field: str) -> str:
    value = item.metadata.get("severity")
    if isinstance(value, str) and value.lower() in _FROM_METADATA:
        return _FROM_METADATA[value.lower()]
    return _DEFAULT[field]


def _location(result: CheckResult, item: Result) -> tuple[str | None, int | None]:
    """The finding's repository file and line; no file when it is not in the repository."""
    file = item.loc.file if item.loc is not None and item.loc.file else result.filename
    path = posix_path(file)
    parts = path.split("/")
    if not path or path == "-" or path.startswith("/") or ".." in parts or ".sentinel" in parts:
        return None, None
    if len(path) > 1 and path[1] == ":":  # a Windows drive path
        return None, None
    return path, line_number(item.loc)


class CodeclimateOutputter:
    name = "codeclimate"

    def __init__(self, root: Path | None = None) -> None:
        """``root``: the checked-out tree whose source lines the fingerprints read (default: the
        current directory, as ``sentinel check`` runs)."""
        self.root = root

    def render(self, results: list[CheckResult], options: OutputOptions) -> str:
        reject_report(options)
        if silenced(results, options):
            return ""
        root = self.root if self.root is not None else Path.cwd()
        config = find_config(root)
        anchor = config.name if config is not None else DEFAULT_FILES[0]
        rows: list[tuple[Result, str, str, str | None, int | None]] = []
        for result in results:
            for field in ("failures", "warnings"):
                for item in getattr(result, field):
                    rule_type = "deny" if field == "failures" else "warn"
                    check_name = item.rule or f"{result.namespace}/{rule_type}"
                    path, line = _location(result, item)
                    rows.append((item, field, check_name, path, line))
        located = [Located(name, path or "", line, item.msg, metadata_anchor(item.metadata))
                   for item, _, name, path, line in rows]
        issues: list[dict[str, Any]] = []
        prints = fingerprints(located, root)
        for (item, field, check_name, path, line), print_ in zip(rows, prints, strict=True):
            issues.append({
                "type": "issue",
                "description": item.msg or check_name,
                "check_name": check_name,
                "fingerprint": hashlib.sha256(print_.encode()).hexdigest(),
                "severity": severity(item, field),
                "location": {"path": path or anchor, "lines": {"begin": line or 1}},
            })
        # Compact: indenting makes json use its pure-Python encoder, several times slower.
        return json.dumps(issues, ensure_ascii=False, separators=(",", ":")) + "\n"
