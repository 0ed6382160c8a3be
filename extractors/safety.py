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
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from extractors.base import ExtractContext, document, parallel_map, problem, read_source
from extractors.selection import matching

DEFAULT_PATHS = ("**/*.py",)
DEFAULT_ALLOW_VALUES = ("allow", "allowed", "permit", "granted", "ALLOW", "PERMIT")
ALLOW_KEYWORDS = frozenset({"allow", "allowed", "permit", "permitted", "granted", "ok", "authorized"})


def extract(ctx: ExtractContext) -> dict[str, Any]:
    paths = list(ctx.options.get("paths", DEFAULT_PATHS))
    allow_values = tuple(ctx.options.get("allow_values", DEFAULT_ALLOW_VALUES))
    files = [f for f in matching(ctx.files, paths) if f.endswith(".py")]
    light = replace(ctx, files=())  # workers need the root and limits, not the whole file list
    outcomes = parallel_map(_scan_file, [(light, rel, allow_values) for rel in files], jobs=ctx.jobs)
    sites: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    for found, prob in outcomes:
        sites.extend(found)
        if prob:
            problems.append(prob)
    sites.sort(key=lambda s: (s["file"], s["line"], s["pattern"], s["detail"]))
    return document(ctx, "safety", files_scanned=len(files), fail_open=sites, problems=problems)


def _scan_file(
    args: tuple[ExtractContext, str, Sequence[str]],
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    ctx, rel, allow_values = args
    text, prob = read_source(ctx, rel)
    if text is None:
        return [], prob
    if "except" not in text and "True" not in text and not any(v in text for v in allow_values):
        return [], None
    try:
        tree = ast.parse(text, filename=rel)
    except SyntaxError as exc:
        return [], problem(rel, f"syntax error: {exc.msg}", line=exc.lineno, code="syntax")
    visitor = _FailOpenVisitor(rel, frozenset(allow_values))
    visitor.visit(tree)
    return visitor.sites, None


class _FailOpenVisitor(ast.NodeVisitor):
    def __init__(self, file: str, allow_values: frozenset[str]) -> None:
        self.file = file
        self.allow_values = allow_values
        self.scope: list[str] = []
        self.sites: list[dict[str, Any]] = []

    def _add(self, node: ast.AST, pattern: str, detail: str) -> None:
        self.sites.append(
            {
                "file": self.file,
                "line": getattr(node, "lineno", 1),
                "function": ".".join(self.scope) or "<module>",
                "pattern": pattern,
                "detail": detail,
            }
        )

    def _scoped(self, node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_ClassDef = _scoped
    visit_FunctionDef = _scoped
    visit_AsyncFunctionDef = _scoped

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        caught = ast.unparse(node.type) if node.type is not None else "everything"
        if all(_is_noop(stmt) for stmt in node.body):
            self._add(node, "swallowed_error", f"except {caught}: the error is ignored")
        for stmt in node.body:
            for sub in ast.walk(stmt):
                if isinstance(sub, ast.Return) and sub.value is not None and self._allows(sub.value):
                    self._add(
                        sub, "allow_on_error", f"except {caught}: returns {ast.unparse(sub.value)[:80]}"
                    )
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        default: ast.expr | None = None
        if isinstance(func, ast.Attribute) and func.attr == "get" and len(node.args) == 2:
            default = node.args[1]
        elif isinstance(func, ast.Name) and func.id == "getattr" and len(node.args) == 3:
            default = node.args[2]
        if default is not None and self._allows(default):
            self._add(node, "default_allow", f"{ast.unparse(node)[:80]} defaults to allowing")
        self.generic_visit(node)

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
