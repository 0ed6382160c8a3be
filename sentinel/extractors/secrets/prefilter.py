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

Before any of that, a whole file is tested at once (:func:`file_may_match`): a file where no
gate's necessary condition holds is not split into lines at all. Per gate: its literal must be in
the file; then the pattern loosened (:func:`file_pattern`: zero-width assertions dropped, cut to
a suffix that ``re`` can scan for, kept within one line) must match somewhere. A scanned line is
a substring of the file, and without assertions a match does not depend on what surrounds it.

Case-insensitive patterns are slow in ``re`` (no literal prefix to scan for); they are run
without the flag over the lowered text when that is provably no narrower (:func:`ascii_lowered`,
:func:`lowered_text`; per line only on ASCII lines).
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
    # Whole-file necessary condition, after ``literals``: searched over the text (then
    # ``file_confirm`` on the whole text, when set), or ``file_lowered`` over the lowered text of
    # an ASCII file; neither: the literals alone decide, or every file passes.
    file_pattern: re.Pattern[str] | None = None
    file_lowered: re.Pattern[str] | None = None
    file_confirm: Callable[[str], bool] | None = None


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


# Non-ASCII characters that ``re.IGNORECASE`` matches with an ASCII letter: dotted and
# dotless i, long s, the Kelvin sign.
FOLDS_TO_ASCII = frozenset([0x130, 0x131, 0x17F, 0x212A])
_LOOKAROUNDS = (sre_constants.ASSERT, sre_constants.ASSERT_NOT)
_ASSERTIONS = (*_LOOKAROUNDS, sre_constants.AT)


def _without_assertions(items: list[Any]) -> list[Any]:
    """The sequence with every zero-width assertion removed, at any depth: a looser pattern."""
    out: list[Any] = []
    for op, av in items:
        if op in _ASSERTIONS:
            continue
        if op is sre_constants.SUBPATTERN:
            av = (*av[:-1], _sub(av[-1], _without_assertions(av[-1].data)))
        elif op is sre_constants.BRANCH:
            av = (av[0], [_sub(b, _without_assertions(b.data)) for b in av[1]])
        elif op in _REPEATS and op is not None:
            av = (av[0], av[1], _sub(av[2], _without_assertions(av[2].data)))
        out.append((op, av))
    return out


def _fast_start(items: Sequence[tuple[Any, Any]]) -> bool:
    """Whether ``re`` can skip ahead to where a match may start: the first item is a character
    (or class), or alternatives that each start with one. Other patterns are tried at every
    position of a file, slower than splitting it into lines."""
    if not items:
        return False
    op, av = items[0]
    if op in (sre_constants.LITERAL, sre_constants.IN):
        return True
    if op is sre_constants.SUBPATTERN and not av[1] and not av[2]:
        return _fast_start(av[-1].data)
    if op is sre_constants.BRANCH:
        return all(_fast_start(b.data) for b in av[1])
    return False


def _after_last_groupref(parsed: Any) -> None:
    """Cut ``parsed`` to what follows its last top-level back-reference, when that still needs a
    literal: a suffix (every match contains a match of it) that ``re`` can search without trying
    each quote as the start of a back-referenced string."""
    flat = _flattened(parsed.data)
    last = max((k for k, (op, _) in enumerate(flat) if op is sre_constants.GROUPREF), default=None)
    if last is None or _has_groupref(flat[last + 1 :]):
        return
    required = _required(flat[last + 1 :])
    if required and min(len(r) for r in required) >= _MIN_LITERAL:
        parsed.data = flat[last + 1 :]


_SINGLE = (sre_constants.IN, sre_constants.NOT_LITERAL, sre_constants.ANY)


def _within_lines(items: list[Any]) -> list[Any]:
    """The sequence with every one-character item that can match a line break followed by a
    look-behind refusing one (after it, so a leading class still lets ``re`` skip ahead): a
    scanned line holds no line break, so a file match across lines can be left out."""
    out: list[Any] = []
    for op, av in items:
        if op is sre_constants.SUBPATTERN:
            av = (*av[:-1], _sub(av[-1], _within_lines(av[-1].data)))
        elif op is sre_constants.BRANCH:
            av = (av[0], [_sub(b, _within_lines(b.data)) for b in av[1]])
        elif op in _REPEATS and op is not None:
            av = (av[0], av[1], _sub(av[2], _within_lines(av[2].data)))
        out.append((op, av))
        if op in _SINGLE:
            newline = sre_parse.SubPattern(_state(items), [(sre_constants.LITERAL, 10)])
            out.append((sre_constants.ASSERT_NOT, (-1, newline)))
    return out


def _state(items: Any) -> Any:
    return items.state if isinstance(items, sre_parse.SubPattern) else sre_parse.State()


def _group_in_assertion(node: Any, inside: bool) -> bool:
    if isinstance(node, tuple) and len(node) == 2 and node[0] in _LOOKAROUNDS:
        return _group_in_assertion(node[1], True)
    if inside and isinstance(node, tuple) and node and node[0] is sre_constants.SUBPATTERN:
        return True
    if isinstance(node, (list, tuple)):
        return any(_group_in_assertion(item, inside) for item in node)
    if isinstance(node, sre_parse.SubPattern):
        return _group_in_assertion(node.data, inside)
    return False


def _sub(like: Any, data: list[Any]) -> Any:
    return sre_parse.SubPattern(like.state, data)


def file_pattern(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """A looser ``pattern`` for searching a whole raw file, or None.

    Without zero-width assertions (look-arounds, anchors, ``\\b``) whether a pattern matches a
    string does not depend on what surrounds it, and it matches whatever ``pattern`` matches. A
    line detect-secrets scans (split at line breaks, right-stripped) is a substring of the file,
    so a match in it is a match in the file. Cut to start at a literal (:func:`_literal_led`) for
    speed. A pattern with a back-reference to a group inside an assertion is left out.
    """
    if _INLINE_IGNORECASE.search(pattern.pattern) and not pattern.flags & re.IGNORECASE:
        return None
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
        if _has_groupref(parsed.data) and _group_in_assertion(parsed.data, False):
            return None
        parsed.data = _without_assertions(parsed.data)
        if not parsed.data:
            return None
        _after_last_groupref(parsed)
        _literal_led(parsed)
        if not _fast_start(parsed.data) and not _has_groupref(parsed.data):
            flat = _flattened(parsed.data)
            cut = next((k for k in range(1, len(flat)) if _fast_start(flat[k : k + 1])), None)
            if cut is not None:
                parsed.data = flat[cut:]
        if not _fast_start(parsed.data):
            return None
        parsed.data = _within_lines(parsed.data)
        compiled: re.Pattern[str] = sre_compile.compile(parsed, pattern.flags)
        return compiled
    except Exception:
        return None


def _lower_safe_char(code: int) -> bool:
    """An ASCII-case-insensitive match of ``code`` on ASCII text equals an exact match on the
    lowered text."""
    if code < 128:
        return not chr(code).isupper()
    return code not in FOLDS_TO_ASCII


def _lower_safe_class(items: Sequence[tuple[Any, Any]]) -> bool:
    """A class may hold an upper-case letter only when it is not negated and holds its lower case
    too (``[A-Za-z]``): on lowered text only the lower case is left to match."""
    negated = any(kind is sre_constants.NEGATE for kind, _ in items)
    members: set[int] = set()
    for kind, val in items:
        if kind is sre_constants.LITERAL:
            if val >= 128 and not _lower_safe_char(val):
                return False
            members.add(val)
        elif kind is sre_constants.RANGE:
            if val[1] >= 128:
                return False
            members.update(range(val[0], val[1] + 1))
        elif kind not in (sre_constants.NEGATE, sre_constants.CATEGORY):
            return False
    upper = {c for c in members if 65 <= c <= 90}
    return not upper or (not negated and all(c + 32 in members for c in upper))


def _lower_safe(items: Sequence[tuple[Any, Any]], groups: dict[int, Any]) -> bool:
    for op, av in items:
        if op in (sre_constants.LITERAL, sre_constants.NOT_LITERAL):
            if not _lower_safe_char(av):
                return False
        elif op is sre_constants.IN:
            if not _lower_safe_class(av):
                return False
        elif op is sre_constants.SUBPATTERN:
            if av[1] or av[2] or not _lower_safe(av[-1].data, groups):
                return False
        elif op is sre_constants.BRANCH:
            if not all(_lower_safe(b.data, groups) for b in av[1]):
                return False
        elif op in _REPEATS and op is not None:
            if not _lower_safe(av[2].data, groups):
                return False
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            if not _lower_safe(av[1].data, groups):
                return False
        elif op is sre_constants.GROUPREF_EXISTS:
            if not all(_lower_safe(b.data, groups) for b in av[1:] if b is not None):
                return False
        elif op is sre_constants.GROUPREF:
            if not _ascii_only(groups.get(av, [])):
                return False
        elif op not in (sre_constants.AT, sre_constants.ANY):
            return False
    return True


def _ascii_only(items: Sequence[tuple[Any, Any]]) -> bool:
    """Whether the sequence matches ASCII characters only, besides those :data:`FOLDS_TO_ASCII`
    (so a back-reference to it compares the same before and after :func:`lowered_text`)."""
    for op, av in items:
        if op is sre_constants.LITERAL:
            ok = av < 128
        elif op is sre_constants.IN:
            ok = all(
                (kind is sre_constants.LITERAL and val < 128)
                or (kind is sre_constants.RANGE and val[1] < 128)
                for kind, val in av
            )
        elif op is sre_constants.SUBPATTERN:
            ok = _ascii_only(av[-1].data)
        elif op is sre_constants.BRANCH:
            ok = all(_ascii_only(b.data) for b in av[1])
        elif op in _REPEATS and op is not None:
            ok = _ascii_only(av[2].data)
        else:
            ok = False
        if not ok:
            return False
    return True


def _group_map(node: Any, out: dict[int, Any]) -> dict[int, Any]:
    if isinstance(node, tuple) and len(node) == 2 and node[0] is sre_constants.SUBPATTERN and node[1][0]:
        out[node[1][0]] = node[1][-1].data
    if isinstance(node, (list, tuple)):
        for item in node:
            _group_map(item, out)
    elif isinstance(node, sre_parse.SubPattern):
        _group_map(node.data, out)
    return out


def lowered_text(text: str) -> str:
    """``text`` in lower case, with the non-ASCII letters that ``re.IGNORECASE`` matches with an
    ASCII one replaced by it (dotted capital I first: its lower case is two characters)."""
    if text.isascii():
        return text.lower()
    low = text.replace("\u0130", "i").lower()
    for char, ascii_char in (("\u0131", "i"), ("\u017f", "s")):
        if char in low:
            low = low.replace(char, ascii_char)
    return low


def ascii_lowered(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """``pattern`` without ``re.IGNORECASE``, for :func:`lowered_text`, or None.

    Only for patterns whose literals are lower-case ASCII or non-letters, whose classes hold an
    upper-case letter only beside its lower case, and whose back-references are to groups of
    ASCII characters: then every atom matches a character when the flag-free atom matches it in
    the lowered text (an ASCII letter's other case, a letter that folds to ASCII, a non-ASCII
    character that stays one, keeping its class: word, digit, space).
    """
    if not pattern.flags & re.IGNORECASE or _INLINE_IGNORECASE.search(pattern.pattern):
        return None
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
        if not _lower_safe(list(parsed), _group_map(parsed.data, {})):
            return None
        return re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)
    except Exception:
        return None


def gate_for_patterns(patterns: Iterable[re.Pattern[str]]) -> list[PatternGate]:
    gates = []
    for pat in patterns:
        lits = required_literals(pat)
        whole = None if lits else whole_text_pattern(pat)
        lowered = ascii_lowered(pat)
        loose = file_pattern(pat)
        loose_lowered = file_pattern(lowered) if lowered is not None else None
        gates.append(
            PatternGate(
                confirm=_searcher(pat, lowered),
                literals=lits,
                casefold=_is_ignorecase(pat),
                whole_text=whole,
                file_pattern=None if loose is None or pat.flags & re.IGNORECASE else loose,
                file_lowered=loose_lowered,
            )
        )
    return gates


def _searcher(pattern: re.Pattern[str], lowered: re.Pattern[str] | None = None) -> Callable[[str], bool]:
    search = pattern.search
    if lowered is None:
        return lambda line: search(line) is not None
    fast = lowered.search
    return lambda line: (fast(line.lower()) if line.isascii() else search(line)) is not None


def entropy_gate(charset: str, limit: float, entropy: Callable[[str], float]) -> PatternGate:
    """Quoted strings of the charset long enough to exceed ``limit`` bits of entropy; a line is
    confirmed when one of its quoted strings does (``entropy`` is the plugin's own measure)."""
    minimum = max(1, math.floor(2**limit) + 1)
    chars = re.escape(charset)
    whole = re.compile(rf"([\'\"])[{chars}]{{{minimum},}}\1")
    quoted = re.compile(rf"([\'\"])([{chars}]+)(\1)")

    def confirm(line: str) -> bool:
        # Shorter strings have at most log2(len) <= limit bits: skip computing their entropy.
        return any(len(m[1]) >= minimum and entropy(m[1]) > limit for m in quoted.findall(line))

    # A quoted run holds no line break, so ``confirm`` gives the same strings on the whole text.
    return PatternGate(
        confirm=confirm, literals=None, casefold=False, whole_text=whole,
        file_pattern=whole, file_confirm=confirm,
    )


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


class FileText:
    """A whole file's text, with its case-folded and lowered forms made on first use."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()
        self._folded: str | None = None
        self._lowered: str | None = None
        self._has: dict[tuple[frozenset[str], bool], bool] = {}

    def has_any(self, literals: frozenset[str], casefold: bool) -> bool:
        """Whether one of ``literals`` is in the (case-folded) text; a literal with a line break
        may have been joined from two lines, so it counts as found."""
        key = (literals, casefold)
        found = self._has.get(key)
        if found is None:
            text = self.folded() if casefold else self.text
            found = self._has[key] = any("\n" in lit or lit in text for lit in literals)
        return found

    def lowered(self) -> str:
        if self._lowered is None:
            self._lowered = lowered_text(self.text)
        return self._lowered

    def folded(self) -> str:
        if self._folded is None:
            self._folded = self.text.lower() if self.ascii else self.text.casefold()
        return self._folded


def _gate_may_match(gate: PatternGate, file: FileText) -> bool:
    if gate.literals is not None and not file.has_any(gate.literals, gate.casefold):
        return False
    if gate.file_pattern is not None:
        if gate.file_pattern.search(file.text) is None:
            return False
        return gate.file_confirm is None or gate.file_confirm(file.text)
    if gate.file_lowered is not None:
        return gate.file_lowered.search(file.lowered()) is not None
    return True


def file_may_match(text: str, plugins: Sequence[PluginGate]) -> bool:
    """Whether any line of ``text`` (split and right-stripped) can be a candidate line.

    False means :func:`candidate_lines` would return nothing, so the file need not be split.
    Literals are found in the case-folded text exactly as :func:`candidate_lines` finds them.
    """
    file = FileText(text)
    for plugin in plugins:
        if plugin.every_line:
            return True
        for gate in plugin.gates:
            if _gate_may_match(gate, file):
                return True
    return False
