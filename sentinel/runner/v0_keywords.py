"""Rego v0 without the future keywords: what OPA's v0 parser refuses and regorus 0.13 accepts.

In v0, ``contains`` and ``if`` are keywords only after ``import future.keywords`` (all of them,
or the one named) or ``import rego.v1``. OPA and conftest then refuse ``deny contains msg if``
as a parse error; regorus reads ``if`` as an identifier, prints a warning on stderr and evaluates
the rule, so the same policy would pass under one engine and not load under the other. This check
runs before regorus sees a v0 policy and raises OPA's error (reproducer:
tests/engine_gaps/test_regorus.py).
"""

from __future__ import annotations

import re

from sentinel.errors import PolicyError

# Comments and string literals (raw and quoted) are blanked before looking for keywords; newlines
# stay, so line numbers hold.
_NOISE = re.compile(r'#[^\n]*|`[^`]*`|"(?:[^"\\\n]|\\.)*"')
_IMPORT = re.compile(r"^\s*import\s+(rego\.v1|future\.keywords(?:\.(\w+))?)\b", re.MULTILINE)
# A rule head using a keyword: `name contains x` at the start of a line, or the word `if` before
# the body's brace on a line that starts a rule head (heads are written from the first column).
_CONTAINS_HEAD = re.compile(r"^[A-Za-z_][\w.]*\s+contains\s", re.MULTILINE)
_IF_HEAD = re.compile(r"^[A-Za-z_][^\n{]*?[\s)\]]if\b", re.MULTILINE)

_HINTS = {
    "contains": "var cannot be used for rule name (hint: `import future.keywords.contains` for "
    "`p contains x` rules)",
    "if": "string cannot be used for rule name (hint: `import future.keywords.if` for "
    "`p if { ... }` rules)",
}


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def check_v0_keywords(path: str, text: str) -> None:
    """PolicyError at the first rule head that uses ``contains``/``if`` without importing them."""
    code = _NOISE.sub(_blank, text)
    enabled: set[str] = set()
    for match in _IMPORT.finditer(code):
        if match.group(1) == "rego.v1" or match.group(2) is None:
            return
        enabled.add(match.group(2))
    found: list[tuple[int, str]] = []
    if "contains" not in enabled:
        found += [(m.start(), "contains") for m in _CONTAINS_HEAD.finditer(code)]
    if "if" not in enabled:
        found += [(m.start(), "if") for m in _IF_HEAD.finditer(code)]
    if found:
        offset, keyword = min(found)
        line = code.count("\n", 0, offset) + 1
        raise PolicyError(f"rego_parse_error: {_HINTS[keyword]} (Rego v0)", file=path, line=line)
