"""The ``safety`` kind: places where Python code fails open (allows when it cannot decide).

Found with ``ast`` in the selected Python files (option ``paths``, default every ``*.py``):

- ``allow_on_error``: an ``except`` handler that returns an allowing value: ``True``, one of the
  ``allow_values`` strings, or a call with an allowing keyword (``Decision(allow=True)``).
- ``swallowed_error``: an ``except`` handler that does nothing (``pass``, ``...``, ``continue``),
  so the code after it runs as if the check had passed.
- ``default_allow``: a lookup that defaults to allowing: ``mapping.get(key, True)``,
  ``getattr(obj, "name", True)``, ``os.environ.get(name, "allow")``.

Each site: ``file``, ``line``, ``function`` (dotted ``Class.method``, or ``<module>``),
``pattern`` and ``detail``. Which files are safety modules is a policy parameter
(``sentinel.params.security.safety_paths``); the extractor reports every site it finds.
Other languages are not scanned.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from extractors.base import ExtractContext, PerFile, document, parallel_map, problem, read_source
from extractors.pyast import parse as parse_python
from extractors.secrets.mask import mask_secrets
from extractors.selection import matching

DEFAULT_PATHS = ("**/*.py",)
DEFAULT_ALLOW_VALUES = ("allow", "allowed", "permit", "granted", "ALLOW", "PERMIT")
ALLOW_KEYWORDS = frozenset({"allow", "allowed", "permit", "permitted", "granted", "ok", "authorized"})


def extract(ctx: ExtractContext) -> dict[str, Any]:
    paths = list(ctx.options.get("paths", DEFAULT_PATHS))
    allow_values = tuple(ctx.options.get("allow_values", DEFAULT_ALLOW_VALUES))
    files = [f for f in matching(ctx.files, paths) if f.endswith(".py")]
    light = replace(ctx, files=())  # workers need the root and limits, not the whole file list
    scan = PerFile(_scan_file, _job_file, _scan_failed, ctx.file_timeout_ms)
    outcomes = parallel_map(scan, [(light, rel, allow_values) for rel in files], jobs=ctx.jobs)
    sites: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    for found, prob in outcomes:
        sites.extend(found)
        if prob:
            problems.append(prob)
    sites.sort(key=lambda s: (s["file"], s["line"], s["pattern"], s["detail"]))
    return document(ctx, "safety", files_scanned=len(files), fail_open=sites, problems=problems)


_Job = tuple[ExtractContext, str, Sequence[str]]


def _job_file(job: _Job) -> str:
    return job[1]


def _scan_failed(job: _Job, prob: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    return [], prob


def _scan_file(
    args: tuple[ExtractContext, str, Sequence[str]],
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    ctx, rel, allow_values = args
    text, prob = read_source(ctx, rel)
    if text is None:
        return [], prob
    if not _may_fail_open(text, tuple(allow_values)):
        return [], None
    try:
        tree = parse_python(text, rel)
    except SyntaxError as exc:
        return [], problem(rel, f"syntax error: {exc.msg}", line=exc.lineno, code="syntax")
    _handler_re, lookup = _prefilter(tuple(allow_values))
    lookup_lines = {text.count("\n", 0, m.start()) + 1 for m in lookup.finditer(text)}
    scanner = _FailOpenScanner(rel, frozenset(allow_values), lookup_lines)
    scanner.scan(tree.body)
    return scanner.sites, None


@functools.cache
def _prefilter(allow_values: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Text every fail-open site needs (a superset: a file without a match cannot hold one).

    The first pattern needs an ``except`` too: a handler that does nothing (``pass`` /
    ``continue`` / ``...`` alone on a line or right after the colon) or returns allowing; the
    second is a lookup that defaults to allowing.
    """
    values = "|".join(re.escape(v) for v in allow_values) or "(?!)"
    allowing = rf"\(?\s*(?:True|['\"](?:{values})['\"])"
    keywords = "|".join(sorted(ALLOW_KEYWORDS))
    handler = re.compile(
        rf"^\s*(?:pass|continue|\.\.\.)\s*(?:#.*)?$|except[^\n]*:\s*(?:pass|continue|\.\.\.)"
        rf"|return\s*{allowing}|\b(?:{keywords})\s*=\s*True",
        re.MULTILINE,
    )
    lookup = re.compile(rf",\s*{allowing}\s*\)?\s*,?\s*\)")
    return handler, lookup


def _may_fail_open(text: str, allow_values: tuple[str, ...]) -> bool:
    handler, lookup = _prefilter(allow_values)
    return ("except" in text and handler.search(text) is not None) or lookup.search(text) is not None


class _FailOpenScanner:
    """Walks statements only (handlers and returns are statements); expressions are searched
    just in statements on lines where the text shows a defaulting lookup. A full NodeVisitor
    pass over every expression node costs about twice the parse."""

    def __init__(self, file: str, allow_values: frozenset[str], lookup_lines: set[int]) -> None:
        self.file = file
        self.allow_values = allow_values
        self.lookup_lines = lookup_lines
        self.scope: list[str] = []
        self.sites: list[dict[str, Any]] = []

    def _add(self, node: ast.AST, pattern: str, detail: str) -> None:
        self.sites.append(
            {
                "file": self.file,
                "line": getattr(node, "lineno", 1),
                "function": ".".join(self.scope) or "<module>",
                "pattern": pattern,
                "detail": mask_secrets(detail),
            }
        )

    def scan(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self._statement(stmt)

    def _statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            self.scope.append(stmt.name)
            self.scan(stmt.body)
            self.scope.pop()
            return
        if self.lookup_lines and any(
            line in self.lookup_lines for line in range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1)
        ):
            self._lookups(stmt)
        if isinstance(stmt, ast.Try | ast.TryStar):
            for handler in stmt.handlers:
                self._handler(handler)
        for field in ("body", "orelse", "finalbody", "handlers"):
            for child in getattr(stmt, field, ()):
                if isinstance(child, ast.ExceptHandler):
                    self.scan(child.body)
                elif isinstance(child, ast.stmt):
                    self._statement(child)
        if isinstance(stmt, ast.Match):
            for case in stmt.cases:
                self.scan(case.body)

    def _handler(self, node: ast.ExceptHandler) -> None:
        caught = ast.unparse(node.type) if node.type is not None else "everything"
        if all(_is_noop(stmt) for stmt in node.body):
            self._add(node, "swallowed_error", f"except {caught}: the error is ignored")
        for stmt in node.body:
            for sub in ast.walk(stmt):
                if isinstance(sub, ast.Return) and sub.value is not None and self._allows(sub.value):
                    self._add(
                        sub, "allow_on_error", f"except {caught}: returns {ast.unparse(sub.value)[:80]}"
                    )

    def _lookups(self, stmt: ast.stmt) -> None:
        """Defaulting lookups in this statement's own expressions (nested statements are visited
        on their own, so their expressions are not searched twice)."""
        for field, value in ast.iter_fields(stmt):
            if field in ("body", "orelse", "finalbody", "handlers", "cases"):
                continue
            nodes = value if isinstance(value, list) else [value]
            for node in nodes:
                if not isinstance(node, ast.AST):
                    continue
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Call):
                        self._call(sub)

    def _call(self, node: ast.Call) -> None:
        func = node.func
        default: ast.expr | None = None
        if isinstance(func, ast.Attribute) and func.attr == "get" and len(node.args) == 2:
            default = node.args[1]
        elif isinstance(func, ast.Name) and func.id == "getattr" and len(node.args) == 3:
            default = node.args[2]
        if default is not None and self._allows(default):
            self._add(node, "default_allow", f"{ast.unparse(node)[:80]} defaults to allowing")

    def _allows(self, value: ast.expr) -> bool:
        if isinstance(value, ast.Constant):
            return value.value is True or (isinstance(value.value, str) and value.value in self.allow_values)
        if isinstance(value, ast.Call):
            return any(
                kw.arg in ALLOW_KEYWORDS and isinstance(kw.value, ast.Constant) and kw.value.value is True
                for kw in value.keywords
            )
        return False


def _is_noop(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Pass | ast.Continue):
        return True
    return (
        isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and stmt.value.value is Ellipsis
    )
