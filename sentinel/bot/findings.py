"""Results (conftest JSON shape) -> findings: the one model the comment, labels, checks and gate read.

A finding is blocking when the runner reported it under ``failures``; ``warnings`` are
advisory. Severity, category and the fix come from the rule's metadata; the bot keys on the
rule id, never on the message text.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sentinel import results_file
from sentinel.errors import SentinelError
from sentinel.runner.results import CheckResult, Result

# Severity names used by our rules and by common scanners, most severe first.
SEVERITY_ORDER = ("critical", "high", "error", "medium", "warning", "low", "info", "note")


@dataclass(frozen=True)
class Finding:
    rule: str
    category: str
    severity: str
    message: str
    blocking: bool
    file: str = ""
    line: int | None = None
    fix: str = ""
    namespace: str = ""

    @property
    def location(self) -> str:
        if not self.file:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file

    def sort_key(self) -> tuple[Any, ...]:
        return (
            not self.blocking,
            severity_rank(self.severity),
            self.file == "",
            self.file,
            self.line or 0,
            self.rule,
            self.message,
        )


def severity_rank(severity: str) -> int:
    try:
        return SEVERITY_ORDER.index(severity)
    except ValueError:
        return len(SEVERITY_ORDER)


def _line(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
        return number if number > 0 else None
    return None


def _location(result: Result) -> tuple[str, int | None]:
    if result.loc is not None and result.loc.file:
        return result.loc.file, _line(result.loc.line)
    raw = result.metadata.get("_loc")
    if isinstance(raw, dict) and raw.get("file"):
        return str(raw["file"]), _line(raw.get("line"))
    if result.metadata.get("file"):
        return str(result.metadata["file"]), _line(result.metadata.get("line"))
    return "", None


def _normalize(path: str) -> str:
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def to_finding(result: Result, blocking: bool, namespace: str) -> Finding:
    meta = result.metadata
    rule = result.rule or namespace or "policy"
    category = str(meta.get("category") or rule.split(".", 1)[0] or "general")
    default = "error" if blocking else "warning"
    severity = str(meta.get("severity") or default).strip().lower() or default
    file, line = _location(result)
    return Finding(
        rule=rule,
        category=category.strip().lower(),
        severity=severity,
        message=result.msg,
        blocking=blocking,
        file=_normalize(file),
        line=line,
        fix=str(meta.get("fix") or ""),
        namespace=namespace,
    )


def collect(results: list[CheckResult]) -> list[Finding]:
    """Failures and warnings of every result, deduplicated and sorted blocking-first."""
    seen: set[Finding] = set()
    out: list[Finding] = []
    for result in results:
        for items, blocking in ((result.failures, True), (result.warnings, False)):
            for item in items:
                finding = to_finding(item, blocking, result.namespace)
                if finding not in seen:
                    seen.add(finding)
                    out.append(finding)
    out.sort(key=Finding.sort_key)
    return out


@dataclass(frozen=True)
class SummaryRow:
    category: str
    severity: str
    blocking: int
    warnings: int


def summarize(findings: list[Finding]) -> list[SummaryRow]:
    """Counts by (category, severity): the comment's and the check run's summary table."""
    blocking: Counter[tuple[str, str]] = Counter()
    warnings: Counter[tuple[str, str]] = Counter()
    for f in findings:
        (blocking if f.blocking else warnings)[(f.category, f.severity)] += 1
    keys = sorted(set(blocking) | set(warnings), key=lambda k: (k[0], severity_rank(k[1]), k[1]))
    return [SummaryRow(c, s, blocking[(c, s)], warnings[(c, s)]) for c, s in keys]


def digest(findings: list[Finding]) -> str:
    """A short stable fingerprint of a set of findings (order-independent)."""
    payload = json.dumps(
        sorted([f.rule, f.file, f.line or 0, f.message, f.blocking, f.severity] for f in findings),
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


FINGERPRINT_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
FINGERPRINT_CHARS = 5  # 30 bits: 500 findings against 500 collide once in ~10,000 runs


def fingerprints(findings: list[Finding]) -> list[str]:
    """One short id per finding (same order), for telling new findings from old ones across runs.

    Built from the rule, file and message, not the line, so code moving above a finding does not
    make it new; identical findings in one file are told apart by their rank in line order.
    """
    order = sorted(range(len(findings)), key=lambda i: (findings[i].line or 0, i))
    seen: Counter[tuple[str, str, str]] = Counter()
    out = [""] * len(findings)
    for index in order:
        f = findings[index]
        key = (f.rule, f.file, f.message)
        payload = json.dumps([*key, seen[key]]).encode("utf-8")
        seen[key] += 1
        value = int.from_bytes(hashlib.sha256(payload).digest()[:4], "big") >> (32 - 6 * FINGERPRINT_CHARS)
        out[index] = "".join(
            FINGERPRINT_ALPHABET[(value >> (6 * (FINGERPRINT_CHARS - 1 - k))) & 63]
            for k in range(FINGERPRINT_CHARS)
        )
    return out


def _read_no_follow(path: Path) -> bytes:
    """The file's bytes; a symlink at ``path`` is refused (a committed link must not stand in)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError as exc:
        raise SentinelError("results file not found", file=str(path)) from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SentinelError("results file is a symlink; refusing to read it", file=str(path)) from exc
        raise SentinelError(f"cannot read results: {exc.strerror or exc}", file=str(path)) from exc
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise SentinelError("results file is not a regular file", file=str(path))
        return handle.read()


def load_results(path: Path, revision_of: Path | None = None) -> list[CheckResult]:
    return load_run(path, revision_of)[0]


def load_run(path: Path, revision_of: Path | None = None) -> tuple[list[CheckResult], tuple[str, ...]]:
    """Read a results file written by ``sentinel check --results-file``: its results and the run's
    notices. Any problem is a SentinelError naming the file (exit 2). The run record must hold
    (see sentinel.results_file); with ``revision_of`` it must also name the commit checked out there."""
    try:
        text = _read_no_follow(path).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SentinelError(f"cannot read results: {exc}", file=str(path)) from exc
    if not text.strip():
        raise SentinelError("results file is empty", file=str(path))
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SentinelError(
            f"results are not valid JSON: {exc.msg}", file=str(path), line=exc.lineno
        ) from exc
    revision = results_file.checked_out_revision(revision_of) if revision_of is not None else None
    checked = results_file.verify(raw, str(path), revision, check_revision=revision_of is not None)
    notices = results_file.RunRecord.from_json(raw[results_file.RECORD_KEY], str(path)).notices
    return parse_results(checked, str(path)), notices


def parse_results(raw: Any, source: str) -> list[CheckResult]:
    if not isinstance(raw, list):
        raise SentinelError("results must be a JSON list of {filename, namespace, ...} objects", file=source)
    out: list[CheckResult] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or "filename" not in item:
            raise SentinelError(f"results[{index}] is not a result object with a 'filename'", file=source)
        for key in ("failures", "warnings", "exceptions", "skipped"):
            entries = item.get(key)
            if entries is None:
                continue
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                raise SentinelError(f"results[{index}].{key} must be a list of objects", file=source)
            for pos, entry in enumerate(entries):
                loc = entry.get("loc")
                if loc is not None and not isinstance(loc, dict):
                    raise SentinelError(f"results[{index}].{key}[{pos}].loc must be an object", file=source)
                meta = entry.get("metadata")
                if meta is not None and not isinstance(meta, dict):
                    raise SentinelError(
                        f"results[{index}].{key}[{pos}].metadata must be an object", file=source
                    )
        try:
            out.append(CheckResult.from_json(item))
        except (TypeError, ValueError) as exc:
            raise SentinelError(f"results[{index}] is malformed: {exc}", file=source) from exc
    return out
