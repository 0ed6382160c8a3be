"""Find the few lines of a file that a detect-secrets plugin could possibly flag.

detect-secrets runs every plugin on every line through a dependency-injection layer, which costs
about 45 seconds for 3,000 files (29 MB). Nearly all of that goes on lines where no plugin can
match. This module picks out, per plugin, the lines where one of its patterns *could* match, so
the library's own per-line scan runs only there. The selection must be a superset: a line left
out is a secret missed. It is built from each plugin's own regular expressions:

* A literal every match must contain (read from the compiled pattern's parse tree, e.g. ``AKIA``
  or one of ``key|pwd|password|pass|token``) is looked for with ``str.find`` (case-folded text for
  case-insensitive patterns); lines holding it are then checked with the pattern itself.
* Patterns without such a literal (of two or more characters) are searched over the whole text.
* High-entropy plugins: a quoted run of the plugin's charset long enough to pass its entropy
  limit (Shannon entropy over k distinct symbols is at most log2 k, so at least
  ``floor(2**limit) + 1`` characters are needed).
* A plugin of a kind not known here gets every line (correct, only slower).
"""

from __future__ import annotations

import bisect
import importlib
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# The regex parse tree: Python 3.11's home for the old (deprecated) sre_parse / sre_compile.
sre_parse: Any = importlib.import_module("re._parser")
sre_compile: Any = importlib.import_module("re._compiler")
sre_constants: Any = importlib.import_module("re._constants")

# Cross products of literal alternatives grow fast; beyond this the run is cut.
_MAX_ALTERNATIVES = 64
# Small character classes ([\'"], [MNO]) still count as literal alternatives.
_MAX_CLASS_CHARS = 8
_MIN_LITERAL = 2
_REPEATS = (
    sre_constants.MAX_REPEAT,
    sre_constants.MIN_REPEAT,
    getattr(sre_constants, "POSSESSIVE_REPEAT", None),
)


@dataclass
class PatternGate:
    """One pattern of a plugin: how to find lines it may match, and how to confirm one.

    Lines come from ``literals`` (``str.find``, case-folded text when ``casefold``) or, without
    literals, from searching the whole text with ``whole_text``; ``confirm`` then tests one line.
    """

    confirm: Callable[[str], bool]
    literals: frozenset[str] | None
    casefold: bool
    whole_text: re.Pattern[str] | None = None


@dataclass
class PluginGate:
    name: str
    gates: list[PatternGate] = field(default_factory=list)
    every_line: bool = False


_INLINE_IGNORECASE = re.compile(r"\(\?[a-zA-Z]*i")


def _is_ignorecase(pattern: re.Pattern[str]) -> bool:
    return bool(pattern.flags & re.IGNORECASE) or bool(_INLINE_IGNORECASE.search(pattern.pattern))


def _class_chars(items: Sequence[tuple[Any, Any]]) -> set[str] | None:
    out: set[str] = set()
    for op, av in items:
        if op is sre_constants.LITERAL:
            out.add(chr(av))
        else:
            return None
    return out if 0 < len(out) <= _MAX_CLASS_CHARS else None


def _exact_strings(items: Sequence[tuple[Any, Any]]) -> set[str] | None:
    """Every string a sequence of parse items can match, when that is a small finite set."""
    acc: set[str] = {""}
    for op, av in items:
        part = _exact_item(op, av)
        if part is None:
            return None
        acc = {a + b for a in acc for b in part}
        if len(acc) > _MAX_ALTERNATIVES:
            return None
    return acc


def _exact_item(op: Any, av: Any) -> set[str] | None:
    if op is sre_constants.LITERAL:
        return {chr(av)}
    if op is sre_constants.IN:
        return _class_chars(av)
    if op is sre_constants.SUBPATTERN:
        return _exact_strings(av[-1])
    if op is sre_constants.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            strings = _exact_strings(branch)
            if strings is None:
                return None
            out |= strings
        return out
    return None


_COMMON = frozenset("etaoinsrhldcu _-./:=\"'()")


def _score(strings: set[str]) -> tuple[int, float, int]:
    """Which of several required literal sets to search for: longer (up to 3), rarer, fewer."""
    shortest = min((len(s) for s in strings), default=0)
    rarity = min(sum(1 if c.lower() in _COMMON else 3 for c in s) / len(s) for s in strings)
    return (min(shortest, 3), rarity, -len(strings))


def _required(items: Sequence[tuple[Any, Any]]) -> set[str] | None:
    """A set of strings one of which every match of the sequence contains, or None."""
    best: set[str] | None = None

    def consider(candidate: set[str] | None) -> None:
        nonlocal best
        if candidate and "" not in candidate and (best is None or _score(candidate) > _score(best)):
            best = candidate

    run: set[str] | None = None
    for op, av in items:
        exact = _exact_item(op, av)
        if exact is not None and "" not in exact:
            if run is None:
                run = exact
            else:
                joined = {a + b for a in run for b in exact}
                if len(joined) > _MAX_ALTERNATIVES:
                    consider(run)
                    run = exact
                else:
                    run = joined
            continue
        consider(run)
        run = None
        consider(_required_item(op, av))
    consider(run)
    return best


def _required_item(op: Any, av: Any) -> set[str] | None:
    if op is sre_constants.SUBPATTERN:
        return _required(av[-1])
    if op is sre_constants.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            req = _required(branch)
            if req is None:
                return None
            out |= req
        return out
    if op in _REPEATS:
        low, _high, inner = av
        return _required(inner) if low >= 1 else None
    if op is getattr(sre_constants, "ATOMIC_GROUP", None):
        return _required(av)
    return None


def required_literals(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Literals (case-folded when the pattern ignores case) one of which every match contains."""
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:
        return None
    req = _required(list(parsed))
    if not req:
        return None
    # A literal that contains another is implied by it: keep the shorter ones only.
    fold = _is_ignorecase(pattern)
    lits = {s.casefold() if fold else s for s in req}
    kept = {s for s in lits if not any(o != s and o in s for o in lits)}
    if min(len(s) for s in kept) < _MIN_LITERAL:
        return None
    return frozenset(kept)


def _strip_leading_assertions(items: list[Any]) -> None:
    while items and items[0][0] in (sre_constants.ASSERT, sre_constants.ASSERT_NOT, sre_constants.AT):
        del items[0]
    if items and items[0][0] is sre_constants.SUBPATTERN:
        _strip_leading_assertions(items[0][1][-1].data)


def _has_groupref(node: Any) -> bool:
    """Whether a parse tree refers back to a group (``\\1``, ``(?P=name)``, ``(?(1)...)``)."""
    refs = (sre_constants.GROUPREF, sre_constants.GROUPREF_EXISTS)
    if isinstance(node, tuple) and node and node[0] in refs:
        return True
    if isinstance(node, (list, tuple)):
        return any(_has_groupref(item) for item in node)
    if isinstance(node, sre_parse.SubPattern):
        return _has_groupref(node.data)
    return False


def _flattened(items: Sequence[tuple[Any, Any]], depth: int = 0) -> list[tuple[Any, Any]]:
    """The same language as a flat sequence: plain groups opened, ``x{m,n}`` with ``m >= 1`` as
    ``x x{m-1,n-1}`` (once per repeat, so the tree stays as small)."""
    out: list[tuple[Any, Any]] = []
    for op, av in items:
        if depth < 8 and op is sre_constants.SUBPATTERN and not av[1] and not av[2]:
            out.extend(_flattened(av[-1].data, depth + 1))
        elif depth < 8 and op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and av[0] >= 1:
            low, high, body = av
            out.extend(_flattened(body.data, depth + 1))
            if high == sre_constants.MAXREPEAT or high > 1:
                rest = high if high == sre_constants.MAXREPEAT else high - 1
                out.append((op, (low - 1, rest, body)))
        else:
            out.append((op, av))
    return out


def _literal_led(parsed: Any) -> None:
    """Cut ``parsed`` to its suffix from the first literal after the start, when it does not
    start with one.

    Python's ``re`` finds a pattern that starts with a literal character by scanning for that
    character; one that starts with a look-ahead or a group of alternatives is tried at every
    position (detect-secrets' public-IP pattern: 2.7 s on Django's tree; its suffix from the
    first ``.``: 0.05 s). Every match of a pattern contains a match of each of its suffixes,
    starting inside it, so lines found with the suffix are still a superset. Patterns that refer
    back to a group are left whole.
    """
    if not parsed.data or parsed.data[0][0] is sre_constants.LITERAL or _has_groupref(parsed.data):
        return
    flat = _flattened(parsed.data)
    for k, (op, _av) in enumerate(flat):
        if k > 0 and op is sre_constants.LITERAL:
            parsed.data = flat[k:]
            return


def whole_text_pattern(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` for searching a whole file: multi-line anchors, leading look-arounds dropped and
    cut to start at a literal (see :func:`_literal_led`).

    Dropping a prefix only lets the pattern match more (at a later start on the same line), so
    the search stays a superset, and a pattern that starts with a literal or a character class
    lets ``re`` skip ahead quickly. The lines found are confirmed with ``pattern`` itself.
    """
    flags = pattern.flags | re.MULTILINE
    try:
        parsed = sre_parse.parse(pattern.pattern, flags)
        _strip_leading_assertions(parsed.data)
        _literal_led(parsed)
        if parsed.data:
            compiled: re.Pattern[str] = sre_compile.compile(parsed, flags)
            return compiled
    except Exception:
        pass
    return re.compile(pattern.pattern, flags)


def gate_for_patterns(patterns: Iterable[re.Pattern[str]]) -> list[PatternGate]:
    gates = []
    for pat in patterns:
        lits = required_literals(pat)
        whole = None if lits else whole_text_pattern(pat)
        gates.append(
            PatternGate(confirm=_searcher(pat), literals=lits, casefold=_is_ignorecase(pat), whole_text=whole)
        )
    return gates


def _searcher(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    search = pattern.search
    return lambda line: search(line) is not None


def entropy_gate(charset: str, limit: float, entropy: Callable[[str], float]) -> PatternGate:
    """Quoted strings of the charset long enough to exceed ``limit`` bits of entropy; a line is
    confirmed when one of its quoted strings does (``entropy`` is the plugin's own measure)."""
    minimum = max(1, math.floor(2**limit) + 1)
    chars = re.escape(charset)
    whole = re.compile(rf"([\'\"])[{chars}]{{{minimum},}}\1")
    quoted = re.compile(rf"([\'\"])([{chars}]+)(\1)")

    def confirm(line: str) -> bool:
        return any(entropy(m[1]) > limit for m in quoted.findall(line))

    return PatternGate(confirm=confirm, literals=None, casefold=False, whole_text=whole)


class LineIndex:
    """A file's (right-stripped) lines joined by newlines, with offsets to map matches to lines."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = [line.rstrip() for line in lines]
        self.text = "\n".join(self.lines)
        self.starts = _starts(self.lines)
        self._folded: tuple[str, list[int]] | None = None

    def folded(self) -> tuple[str, list[int]]:
        """The case-folded text and its line offsets (the same offsets unless folding grew a line)."""
        if self._folded is None:
            text = self.text.casefold()
            if len(text) == len(self.text):
                self._folded = (text, self.starts)
            else:
                lines = [line.casefold() for line in self.lines]
                self._folded = ("\n".join(lines), _starts(lines))
        return self._folded


def _starts(lines: Sequence[str]) -> list[int]:
    starts = [0] * len(lines)
    pos = 0
    for i, line in enumerate(lines):
        starts[i] = pos
        pos += len(line) + 1
    return starts


def _lines_with_literal(text: str, starts: list[int], literal: str, out: set[int]) -> None:
    pos = text.find(literal)
    n = len(starts)
    while pos >= 0:
        i = bisect.bisect_right(starts, pos) - 1
        out.add(i)
        if i + 1 >= n:
            return
        pos = text.find(literal, starts[i + 1])


def _lines_with_match(text: str, starts: list[int], pattern: re.Pattern[str], out: set[int]) -> None:
    pos = 0
    n = len(starts)
    while True:
        m = pattern.search(text, pos)
        if m is None:
            return
        i = bisect.bisect_right(starts, m.start()) - 1
        out.add(i)
        if i + 1 >= n:
            return
        pos = starts[i + 1]


def candidate_lines(index: LineIndex, plugins: Sequence[PluginGate]) -> list[int]:
    """0-based indexes of lines where at least one plugin could report something."""
    found: set[int] = set()
    # Per literal, not per set: the plugins share most of theirs (``key``, ``pass``, ``token``).
    literal_lines: dict[tuple[str, bool], set[int]] = {}
    literal_hits: dict[tuple[frozenset[str], bool], set[int]] = {}
    for plugin in plugins:
        if plugin.every_line:
            return list(range(len(index.lines)))
        for gate in plugin.gates:
            if gate.literals is None:
                assert gate.whole_text is not None
                hits: set[int] = set()
                _lines_with_match(index.text, index.starts, gate.whole_text, hits)
            else:
                key = (gate.literals, gate.casefold)
                cached = literal_hits.get(key)
                if cached is None:
                    cached = literal_hits[key] = set()
                    if gate.casefold:
                        text, starts = index.folded()
                    else:
                        text, starts = index.text, index.starts
                    for lit in gate.literals:
                        lines = literal_lines.get((lit, gate.casefold))
                        if lines is None:
                            lines = literal_lines[(lit, gate.casefold)] = set()
                            _lines_with_literal(text, starts, lit, lines)
                        cached |= lines
                hits = cached
            confirm = gate.confirm
            found.update(i for i in hits - found if confirm(index.lines[i]))
    return sorted(found)
