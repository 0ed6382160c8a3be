"""Line-independent finding fingerprints: the identity a baseline (and SARIF) keys on.

A finding's fingerprint is SHA-256 over ``rule``, ``file`` and a content key, then ``:<n>`` for
the n-th finding with the same three in that file (in line order):

- the content key is the source line the finding points at, with all whitespace removed, when that
  line can be read from the checked-out tree (so inserting lines above it, or re-indenting it,
  keeps the fingerprint; editing the line itself makes a new finding);
- otherwise (no file, no line, a file outside the tree or unreadable) it is the finding's
  ``anchor`` when the caller gives one (SARIF passes :func:`metadata_anchor`, so rewording the
  message keeps it), else the message with every number and every ``path:line`` location taken
  out, so a line move does not change it either. The baseline passes no anchor.

The files are repository content: only regular files inside ``root`` are read (no symlink out of
it), at most ``MAX_SOURCE_BYTES`` of each.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sentinel.runner.results import Result

MAX_SOURCE_BYTES = 4 * 1024 * 1024
_NUMBERS = re.compile(r"\d+")
_LOCATION = re.compile(r"\S+:\d+(:\d+)?")
_SPACE = re.compile(r"\s+")
# Metadata that describes a rule (or the runner's bookkeeping), not one finding of it.
DESCRIPTIVE_KEYS = frozenset({
    "rule", "query", "category", "severity", "fix", "title", "description", "help_uri", "tags",
    "msg", "message", "reason", "justification", "baselined", "baseline_reason", "existing_at_base",
})


@dataclass(frozen=True)
class Located:
    rule: str
    file: str
    line: int | None
    message: str
    anchor: str | None = None


def message_key(message: str) -> str:
    return _SPACE.sub(" ", _NUMBERS.sub("#", _LOCATION.sub("", message))).strip()


def metadata_anchor(metadata: Mapping[str, Any]) -> str | None:
    """The finding's own string-valued metadata (e.g. ``module``, ``target``) as canonical JSON,
    or None when it has none: what names the finding apart from its wording, its rule and its
    line. Descriptive keys shared by every finding of a rule are left out."""
    own = {k: v for k, v in metadata.items() if isinstance(v, str) and k not in DESCRIPTIVE_KEYS}
    return json.dumps(own, sort_keys=True, ensure_ascii=False) if own else None


class SourceLines:
    """Lines of the tree's files, read once each, confined to ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._cache: dict[str, list[str] | None] = {}

    def line(self, file: str, number: int | None) -> str | None:
        if not file or not number or number < 1:
            return None
        if file not in self._cache:
            self._cache[file] = self._read(file)
        lines = self._cache[file]
        if lines is None or number > len(lines):
            return None
        return lines[number - 1]

    def _read(self, file: str) -> list[str] | None:
        candidate = Path(file)
        if candidate.is_absolute() or ".." in candidate.parts:
            return None
        try:
            path = (self.root / candidate).resolve()
            if not path.is_relative_to(self.root) or not path.is_file():
                return None
            with path.open("rb") as handle:
                data = handle.read(MAX_SOURCE_BYTES + 1)
        except OSError:
            return None
        if len(data) > MAX_SOURCE_BYTES:
            return None
        return data.decode("utf-8", errors="replace").splitlines()


def fingerprints(findings: Sequence[Located], root: Path) -> list[str]:
    """One fingerprint per finding, in the order given."""
    source = SourceLines(root)
    bases: list[str] = []
    for finding in findings:
        text = source.line(finding.file, finding.line)
        if text is not None and text.strip():
            key = "line:" + _SPACE.sub("", text)
        elif finding.anchor:
            key = "meta:" + finding.anchor
        else:
            key = "msg:" + message_key(finding.message)
        bases.append(hashlib.sha256(f"{finding.rule}\0{finding.file}\0{key}".encode()).hexdigest())
    order = sorted(range(len(findings)), key=lambda i: (findings[i].line or 0, i))
    seen: dict[str, int] = {}
    numbered = [""] * len(findings)
    for i in order:
        seen[bases[i]] = seen.get(bases[i], 0) + 1
        numbered[i] = f"{bases[i]}:{seen[bases[i]]}"
    return numbered


def located(item: Result) -> Located:
    """Rule, file and line of one rule result (``loc``, else ``metadata._loc``)."""
    file, line = "", None
    if item.loc is not None and item.loc.file:
        file, line = item.loc.file, item.loc.line
    else:
        raw = item.metadata.get("_loc")
        if isinstance(raw, dict) and raw.get("file"):
            file, line = str(raw["file"]), raw.get("line")
    if isinstance(line, bool) or not isinstance(line, int):
        line = None
    while file.startswith("./"):
        file = file[2:]
    return Located(item.rule, file, line, item.msg)


def result_fingerprints(items: Iterable[Result], root: Path) -> list[str]:
    return fingerprints([located(item) for item in items], root)
