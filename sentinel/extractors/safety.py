"""The ``safety`` kind: places where code fails open (allows when it cannot decide).

Found in the selected files (option ``paths``, default every ``*.py`` and ``*.rs``). Python, with
``ast``:

- ``allow_on_error``: an ``except`` handler that returns an allowing value: ``True``, one of the
  ``allow_values`` strings, an enum member named like ``ALLOW`` / ``PERMIT`` / ``GRANTED``
  (``Decision.ALLOW``), or a call with an allowing keyword (``Decision(allow=True)``).
- ``swallowed_error``: an ``except`` handler that does nothing (``pass``, ``...``, ``continue``),
  so the code after it runs as if the check had passed; not when the statement right after the
  ``try`` raises or returns a constant that does not allow (``except OSError: pass`` then
  ``return 0`` is an explicit closed fallback).
- ``default_allow``: a lookup that defaults to allowing: ``mapping.get(key, True)``,
  ``getattr(obj, "name", True)``, ``os.environ.get(name, "allow")``.

Rust, with tree-sitter:

- ``allow_on_error``: a ``match`` arm ``Err(..) => <allowing>``.
- ``default_allow``: ``.unwrap_or(<allowing>)``, ``.unwrap_or_else(|_| <allowing>)``, ``.or(..)``,
  ``.or_else(..)``, ``.map_or(<allowing>, ..)``, ``.map_or_else(|_| <allowing>, ..)``.

Allowing in Rust: ``true``, ``Ok(true)`` / ``Some(true)``, a path ending in an allow member
(``Decision::Allow``), wrapped the same way, or a closure or block whose value is one.

Each site: ``file``, ``line``, ``function`` (dotted ``Class.method`` / ``Type.method``, or
``<module>``), ``pattern`` and ``detail``. Which sites are in safety code is decided by the
``security.fail_open`` rule's parameters; the extractor reports every site it finds.
"""

from __future__ import annotations

import ast
import functools
import re
from functools import partial
from typing import Any

import tree_sitter as ts

from sentinel.extractors import treesitter
from sentinel.extractors.base import ExtractContext, document, problem
from sentinel.extractors.secrets.mask import mask_secrets
from sentinel.extractors.selection import matching
from sentinel.extractors.sourcepass import KindPlan, SourceFile, Visitor, extract_one

DEFAULT_PATHS = ("**/*.py", "**/*.rs")
SCANNED_SUFFIXES = (".py", ".rs")
DEFAULT_ALLOW_VALUES = ("allow", "allowed", "permit", "granted", "ALLOW", "PERMIT")
ALLOW_KEYWORDS = frozenset({"allow", "allowed", "permit", "permitted", "granted", "ok", "authorized"})
# Enum members (``Decision.ALLOW``, ``Verdict::Permit``) that mean "let it through", compared upper-case.
ALLOW_MEMBERS = frozenset({"ALLOW", "ALLOWED", "PERMIT", "PERMITTED", "GRANT", "GRANTED", "ACCEPT", "PASS"})
_ALLOW_MEMBER_TEXT = r"(?i:allow|allowed|permit|permitted|grant|granted|accept|pass)\b"


def plan(ctx: ExtractContext) -> KindPlan:
    """This kind's part of the source pass (:mod:`sentinel.extractors.sourcepass`)."""
    paths = list(ctx.options.get("paths", DEFAULT_PATHS))
    allow_values = tuple(ctx.options.get("allow_values", DEFAULT_ALLOW_VALUES))
    files = [f for f in matching(ctx.files, paths) if f.endswith(SCANNED_SUFFIXES)]
    visitor = Visitor("safety", CACHE_VERSION, partial(visit, allow_values), _scan_failed)
    return KindPlan(ctx, visitor, files, partial(_document, ctx, len(files)))


def extract(ctx: ExtractContext) -> dict[str, Any]:
    return extract_one(plan(ctx))


def _document(ctx: ExtractContext, scanned: int, outcomes: list[_Record]) -> dict[str, Any]:
    sites: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    for found, prob in outcomes:
        sites.extend(found)
        if prob:
            problems.append(prob)
    sites.sort(key=lambda s: (s["file"], s["line"], s["pattern"], s["detail"]))
    return document(ctx, "safety", files_scanned=scanned, fail_open=sites, problems=problems)


# Bump when this kind's per-file records change (sentinel.extractors.cache keys on it).
CACHE_VERSION = 1
_Record = tuple[list[dict[str, Any]], dict[str, Any] | None]


def _scan_failed(rel: str, prob: dict[str, Any]) -> _Record:
    return [], prob


def visit(allow_values: tuple[str, ...], rel: str, source: SourceFile) -> _Record:
    """One file's fail-open sites and its problem (the text prefilter first, then the tree)."""
    text, prob = source.text()
    if text is None:
        return [], prob
    if rel.endswith(".rs"):
        return _scan_rust(rel, text, source)
    if not _may_fail_open(text, allow_values):
        return [], None
    try:
        tree = source.python()
    except SyntaxError as exc:
        return [], problem(rel, f"syntax error: {exc.msg}", line=exc.lineno, code="syntax")
    _handler_re, lookup = _prefilter(allow_values)
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
    allowing = rf"\(?\s*(?:True|['\"](?:{values})['\"]|[\w.]*\.{_ALLOW_MEMBER_TEXT})"
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
        for index, stmt in enumerate(body):
            self._statement(stmt, body[index + 1] if index + 1 < len(body) else None)

    def _statement(self, stmt: ast.stmt, after: ast.stmt | None = None) -> None:
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
                self._handler(handler, self._denies(after))
        for field in ("body", "orelse", "finalbody"):
            block = getattr(stmt, field, None)
            if isinstance(block, list):
                self.scan(block)
        for handler in getattr(stmt, "handlers", ()):
            self.scan(handler.body)
        if isinstance(stmt, ast.Match):
            for case in stmt.cases:
                self.scan(case.body)

    def _denies(self, stmt: ast.stmt | None) -> bool:
        """Whether the statement after a ``try`` fails closed: it raises, or returns a constant that
        does not allow (``return 0``, ``return None``, ``return False``)."""
        if isinstance(stmt, ast.Raise):
            return True
        return (
            isinstance(stmt, ast.Return)
            and (stmt.value is None or isinstance(stmt.value, ast.Constant))
            and not (stmt.value is not None and self._allows(stmt.value))
        )

    def _handler(self, node: ast.ExceptHandler, closed_after: bool = False) -> None:
        caught = ast.unparse(node.type) if node.type is not None else "everything"
        if not closed_after and all(_is_noop(stmt) for stmt in node.body):
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
        if isinstance(value, ast.Attribute):
            return _is_allow_member(value)
        if isinstance(value, ast.Constant):
            return value.value is True or (isinstance(value.value, str) and value.value in self.allow_values)
        if isinstance(value, ast.Call):
            return any(
                kw.arg in ALLOW_KEYWORDS and isinstance(kw.value, ast.Constant) and kw.value.value is True
                for kw in value.keywords
            )
        return False


def _is_allow_member(node: ast.Attribute) -> bool:
    """``Decision.ALLOW``, ``Verdict.Permit``: a member of a capitalised (enum-like) owner."""
    if node.attr.upper() not in ALLOW_MEMBERS:
        return False
    owner = node.value
    name = owner.attr if isinstance(owner, ast.Attribute) else owner.id if isinstance(owner, ast.Name) else ""
    return name[:1].isupper()


def _is_noop(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Pass | ast.Continue):
        return True
    return (
        isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and stmt.value.value is Ellipsis
    )


# --- Rust -------------------------------------------------------------------------------------

_RUST_HINT = re.compile(r"\b(?:unwrap_or(?:_else)?|or(?:_else)?|map_or(?:_else)?)\s*\(|\bErr\s*\(")
_RUST_FALLBACKS = {"unwrap_or": 0, "unwrap_or_else": 0, "or": 0, "or_else": 0, "map_or": 0, "map_or_else": 0}
_RUST_WRAPS = {"Ok", "Some"}


def _node_text(node: ts.Node | None) -> str:
    return "" if node is None else (node.text or b"").decode("utf-8", "replace")


def _rust_allows(node: ts.Node | None, closure: bool = False) -> bool:
    """Whether a Rust expression is an allowing value (``closure``: or a closure returning one)."""
    if node is None:
        return False
    t = node.type
    if t == "boolean_literal":
        return _node_text(node) == "true"
    if t in ("scoped_identifier", "identifier"):
        return (
            t == "scoped_identifier" and _node_text(node.child_by_field_name("name")).upper() in ALLOW_MEMBERS
        )
    if t in ("parenthesized_expression", "return_expression"):
        return bool(node.named_child_count) and _rust_allows(node.named_children[-1])
    if t == "block":
        last = node.named_children[-1] if node.named_child_count else None
        if last is not None and last.type == "expression_statement" and last.named_child_count:
            last = last.named_children[0]
            return last.type == "return_expression" and _rust_allows(last)
        return _rust_allows(last)
    if t == "call_expression":
        func = node.child_by_field_name("function")
        args = [
            c
            for c in (node.child_by_field_name("arguments") or node).named_children
            if c.type != "line_comment"
        ]
        return _node_text(func) in _RUST_WRAPS and len(args) == 1 and _rust_allows(args[0])
    if t == "closure_expression" and closure:
        return _rust_allows(node.child_by_field_name("body"))
    return False


def _rust_function(node: ts.Node) -> str:
    names = []
    parent = node.parent
    while parent is not None:
        if parent.type == "function_item":
            names.append(_node_text(parent.child_by_field_name("name")))
        elif parent.type == "impl_item":
            type_node = parent.child_by_field_name("type")
            names.append(_node_text(type_node).split("<", 1)[0])
        elif parent.type in ("trait_item", "mod_item"):
            names.append(_node_text(parent.child_by_field_name("name")))
        parent = parent.parent
    return ".".join(reversed([n for n in names if n])) or "<module>"


def _scan_rust(rel: str, text: str, source: SourceFile) -> _Record:
    if _RUST_HINT.search(text) is None:
        return [], None
    tree = source.tree("rust")
    sites: list[dict[str, Any]] = []

    def add(node: ts.Node, pattern: str, detail: str) -> None:
        sites.append(
            {
                "file": rel,
                "line": node.start_point[0] + 1,
                "function": _rust_function(node),
                "pattern": pattern,
                "detail": mask_secrets(" ".join(detail.split())[:120]),
            }
        )

    for node in treesitter.walk(tree.root_node):
        if node.type == "call_expression":
            func = node.child_by_field_name("function")
            if func is None or func.type != "field_expression":
                continue
            method = _node_text(func.child_by_field_name("field"))
            if method not in _RUST_FALLBACKS:
                continue
            args_node = node.child_by_field_name("arguments")
            args = [c for c in args_node.named_children if "comment" not in c.type] if args_node else []
            if args and _rust_allows(args[_RUST_FALLBACKS[method]], closure=True):
                add(node, "default_allow", f"{_node_text(node)[:80]} defaults to allowing")
        elif node.type == "match_arm":
            pattern = node.child_by_field_name("pattern")
            value = node.child_by_field_name("value")
            head = pattern.named_children[0] if pattern is not None and pattern.named_child_count else None
            if (
                head is not None
                and head.type == "tuple_struct_pattern"
                and _node_text(head.child_by_field_name("type")).rsplit("::", 1)[-1] == "Err"
                and _rust_allows(value)
            ):
                add(node, "allow_on_error", f"{_node_text(pattern)} => {_node_text(value)}")
    line = treesitter.first_error_line(tree)
    if line is not None:
        return sites, problem(
            rel, "syntax error (rust); what follows it may be incomplete", line=line, code="syntax"
        )
    return sites, None
