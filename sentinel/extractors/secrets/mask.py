"""Mask likely secrets in text that a document, a message or an error is about to show.

Extractors copy bits of source into documents (a debt marker's comment, a key expression), and
rules quote them in messages, SARIF and PR comments; none of that may carry a secret. ``mask_secrets``
runs every detect-secrets detector over each line (regex plugins behind the same prefilter the
scanner uses, the keyword detector with every file type's patterns, the entropy plugins on quoted
and unquoted strings) and replaces each value found with at most four of its leading characters
and ``****``. It masks more than the scanner reports: no heuristic filter, allowlist comment or
baseline applies, since showing a false positive masked costs nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from sentinel.extractors.secrets import prefilter

MASK = "****"
_KEEP = 4
# Runs of an entropy plugin's charset outside quotes (detect-secrets' eager search); shorter runs
# cannot pass the default limits (see prefilter.entropy_gate).
_MIN_UNQUOTED = 16


class Masker:
    """The detectors, built once per process (detect-secrets' own settings are not touched)."""

    def __init__(self) -> None:
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
        from detect_secrets.plugins import keyword
        from detect_secrets.plugins.base import RegexBasedDetector
        from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin

        classes: dict[str, Any] = get_mapping_from_secret_type_to_class()
        # Whole matches, not the plugins' groups: GitHub's pattern groups just the ``ghp`` prefix.
        self._regex: list[list[tuple[re.Pattern[str], prefilter.PatternGate]]] = []
        self._entropy: list[tuple[Any, re.Pattern[str]]] = []
        for cls in sorted(classes.values(), key=lambda c: c.__name__):
            if issubclass(cls, HighEntropyStringsPlugin):
                plugin = cls()
                unquoted = re.compile(rf"[{re.escape(plugin.charset)}]{{{_MIN_UNQUOTED},}}")
                self._entropy.append((plugin, unquoted))
            elif issubclass(cls, RegexBasedDetector):
                patterns = list(cls().denylist)
                self._regex.append(list(zip(patterns, prefilter.gate_for_patterns(patterns), strict=True)))
        tables = [keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP, *keyword.REGEX_BY_FILETYPE.values()]
        self._keyword = {pattern: group for table in tables for pattern, group in table.items()}

    def values(self, line: str) -> Iterator[str]:
        """Every value a detector would report on ``line`` (the scanner's candidates, unfiltered)."""
        folded = line.casefold()
        for patterns in self._regex:
            for pattern, gate in patterns:
                if _may_match(gate, line, folded):
                    yield from (m.group(0) for m in pattern.finditer(line))
        for pattern, group in self._keyword.items():
            match = pattern.search(line)
            if match and match.group(group):
                yield match.group(group)
        for plugin, unquoted in self._entropy:
            candidates = [*plugin.analyze_string(line), *unquoted.findall(line)]
            yield from (c for c in candidates if plugin.calculate_shannon_entropy(c) > plugin.entropy_limit)

    def mask(self, text: str) -> str:
        out = []
        for line in text.split("\n"):
            found = {v.strip() for v in self.values(line)}
            for value in sorted(found - {""}, key=len, reverse=True):
                line = line.replace(value, masked(value))
            out.append(line)
        return "\n".join(out)


def _may_match(gate: prefilter.PatternGate, line: str, folded: str) -> bool:
    if gate.literals is None:
        return gate.confirm(line)
    haystack = folded if gate.casefold else line
    return any(literal in haystack for literal in gate.literals) and gate.confirm(line)


def masked(value: str) -> str:
    """``value`` with at most four leading characters kept (a quarter of it when it is short)."""
    return value[: min(_KEEP, len(value) // 4)] + MASK


@functools.cache
def _masker() -> Masker:
    return Masker()


def mask_secrets(text: str) -> str:
    """``text`` with every likely secret value replaced by its first characters and ``****``."""
    if not text:
        return text
    return _masker().mask(text)


def excerpt(text: str, limit: int = 40) -> str:
    """A short, masked excerpt of ``text`` for an error message: at most ``limit`` characters."""
    shown = mask_secrets(text)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."
