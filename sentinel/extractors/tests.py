"""The ``tests`` kind: test files, the tests in them, which are async and which sleep.

Test files follow ``extractors.files.is_test`` (the ``files`` kind says the same). Rust unit
tests live in ``src`` files, so every Rust file that mentions ``test`` is read too. Tests:

- Python: module-level ``def``/``async def`` named ``test*``; methods named ``test*`` in
  classes named ``Test*`` or deriving from a ``*TestCase`` (nested classes included).
  Async: ``async def``. Sleeps: calls in the test's own body (nested functions and lambdas
  left out), names resolved through the file's imports (``from time import sleep``).
- Rust: functions with a ``#[test]``-like attribute (``test``, ``tokio::test``,
  ``async_std::test``, ``rstest``, ``test_case``). Async: ``async fn``. Names resolved through
  ``use`` (``use std::thread; thread::sleep`` is ``std::thread::sleep``).
- Go: ``func TestXxx(t *testing.T)``. Async: the test calls ``t.Parallel()`` (it runs
  alongside others). Names resolved through imports (``time.Sleep``).
- JavaScript/TypeScript: ``it(...)``/``test(...)`` (and ``.only``/``.skip``/``.concurrent``)
  with a title and a callback. Async: an ``async`` callback. Sleeps: calls anywhere in the
  callback, nested arrow functions included (``new Promise(r => setTimeout(r, 10))``).
- Elixir: ``test "..." do`` blocks. Async: the enclosing module has
  ``use ExUnit.Case, async: true``.

Every test lists its sleep calls whether or not it is async, so a policy can choose.

Options (``extract.options.tests`` in conftest.yml):

- ``sleep_calls`` (default ``DEFAULT_SLEEP_CALLS``): call names (after import resolution) that
  count as sleeping; matched exactly.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any

import tree_sitter as ts

from sentinel.extractors import treesitter
from sentinel.extractors.base import ExtractContext, document, problem
from sentinel.extractors.errors import ExtractorUsageError
from sentinel.extractors.files import is_test, language_of
from sentinel.extractors.imports import elixir, go, python, rust
from sentinel.extractors.imports.tsquery import captures, compact, end_line, line, matches, text
from sentinel.extractors.sourcepass import KindPlan, SourceFile, Visitor, extract_one

DEFAULT_SLEEP_CALLS = (
    "time.sleep", "asyncio.sleep", "trio.sleep", "anyio.sleep",
    "std::thread::sleep", "thread::sleep", "tokio::time::sleep", "async_std::task::sleep",
    "time.Sleep",
    "setTimeout",
    "Process.sleep", ":timer.sleep",
)
LANGUAGES = frozenset({"python", "rust", "go", "javascript", "typescript", "elixir"})
_RUST_TEST_ATTRIBUTES = frozenset({"test", "rstest", "test_case"})
_JS_TEST_CALLEES = frozenset({f"{base}{suffix}" for base in ("it", "test")
                              for suffix in ("", ".only", ".skip", ".concurrent")})
_GO_TEST_NAME = re.compile(r"Test(?![a-z])\w*")

# Bump when this kind's per-file records change (sentinel.extractors.cache keys on it).
CACHE_VERSION = 1
_Record = tuple[str, list[dict[str, Any]], list[dict[str, Any]]]


def _sleep_calls(ctx: ExtractContext) -> frozenset[str]:
    value = ctx.options.get("sleep_calls", list(DEFAULT_SLEEP_CALLS))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ExtractorUsageError("extract option tests.sleep_calls must be a list of call names")
    return frozenset(value)


def _test(rel: str, language: str, name: str, first: int, last: int, is_async: bool,
          sleeps: Iterator[tuple[int, str]]) -> dict[str, Any]:
    return {
        "file": rel,
        "line": first,
        "end_line": last,
        "name": name,
        "language": language,
        "async": is_async,
        "sleeps": [{"file": rel, "line": n, "name": call} for n, call in sorted(set(sleeps))],
    }


# ---------------------------------------------------------------------------------------------
# Python


def _is_test_class(node: ast.ClassDef) -> bool:
    if node.name.startswith("Test"):
        return True
    for base in node.bases:
        name = python.call_name(base) or ""
        if name.rsplit(".", 1)[-1].endswith("TestCase"):
            return True
    return False


_Function = ast.FunctionDef | ast.AsyncFunctionDef


def _python_tests(body: list[ast.stmt], prefix: str = "") -> Iterator[tuple[str, _Function]]:
    for node in body:
        if isinstance(node, _Function) and node.name.startswith("test"):
            yield prefix + node.name, node
        elif isinstance(node, ast.ClassDef) and _is_test_class(node):
            yield from _python_tests(node.body, f"{prefix}{node.name}.")


def _python(rel: str, source: SourceFile, sleeps: frozenset[str],
            ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    try:
        tree = source.python()
    except (SyntaxError, ValueError) as exc:
        return [], [problem(rel, f"syntax error: {getattr(exc, 'msg', None) or exc}",
                            line=getattr(exc, "lineno", None), code="syntax")]
    statements = [s for s in python.statements_from_ast(tree) if s.level == 0]
    _, bindings, _ = python.resolve_statements(rel, python.ModuleInfo(None, False), statements)
    out = []
    for name, node in _python_tests(tree.body):
        calls = ((n, python.resolve_name(raw, bindings)) for n, raw in python.body_calls(node))
        out.append(_test(rel, "python", name, node.lineno, node.end_lineno or node.lineno,
                         isinstance(node, ast.AsyncFunctionDef), ((n, c) for n, c in calls if c in sleeps)))
    return out, []


# ---------------------------------------------------------------------------------------------
# tree-sitter languages


def _rust_is_test(function: ts.Node) -> bool:
    sibling = function.prev_named_sibling
    while sibling is not None and sibling.type in ("attribute_item", "line_comment", "block_comment"):
        if sibling.type == "attribute_item":
            for attribute in sibling.named_children:
                path = attribute.named_children[0] if attribute.named_child_count else None
                if path is not None and compact(path).rsplit("::", 1)[-1] in _RUST_TEST_ATTRIBUTES:
                    return True
        sibling = sibling.prev_named_sibling
    return False


def _rust(rel: str, tree: ts.Tree, sleeps: frozenset[str]) -> list[dict[str, Any]]:
    bindings = rust.use_bindings(tree)
    out = []
    for function in captures("rust", "(function_item) @fn", tree.root_node).get("fn", []):
        if not _rust_is_test(function):
            continue
        modifiers = next((c for c in function.named_children if c.type == "function_modifiers"), None)
        is_async = modifiers is not None and "async" in text(modifiers).split()
        body = function.child_by_field_name("body")
        calls = captures("rust", "(call_expression function: (_) @f)", body).get("f", []) if body else []
        found = ((line(c), rust.resolve_call(compact(c), bindings)) for c in calls)
        out.append(_test(rel, "rust", text(function.child_by_field_name("name")), line(function),
                         end_line(function), is_async, ((n, c) for n, c in found if c in sleeps)))
    return out


_GO_FUNCTIONS = "(function_declaration name: (identifier) @name parameters: (parameter_list) @params) @fn"
_GO_CALLS = """
(call_expression function: (selector_expression operand: (identifier) @pkg field: (field_identifier) @fn))
"""


def _go(rel: str, tree: ts.Tree, sleeps: frozenset[str]) -> list[dict[str, Any]]:
    bindings = go.import_bindings(tree)
    out = []
    for match in matches("go", _GO_FUNCTIONS, tree.root_node):
        name = text(match["name"])
        params = match["params"]
        if not _GO_TEST_NAME.fullmatch(name) or "testing.T" not in compact(params):
            continue
        first = params.named_children[0] if params.named_child_count else None
        param = text(first.child_by_field_name("name")) if first is not None else ""
        is_async = False
        found = []
        for call in matches("go", _GO_CALLS, match["fn"]):
            local, field = text(call["pkg"]), text(call["fn"])
            if local == param and field == "Parallel":
                is_async = True
            if local in bindings:
                found.append((line(call["pkg"]), f"{bindings[local]}.{field}"))
        out.append(_test(rel, "go", name, line(match["fn"]), end_line(match["fn"]), is_async,
                         ((n, c) for n, c in found if c in sleeps)))
    return out


_JS_CALLS = "(call_expression function: (_) @fn arguments: (arguments) @args) @call"
_JS_CALLBACKS = frozenset({"arrow_function", "function_expression", "function"})


def _javascript(rel: str, language: str, grammar: str, tree: ts.Tree,
                sleeps: frozenset[str]) -> list[dict[str, Any]]:
    found = matches(grammar, _JS_CALLS, tree.root_node)
    # The sleep calls of the whole file, once, by position: each test takes those inside its
    # callback, so nested tests cost their number plus their sleeps, not the tree's size each.
    sleeping = sorted((c.start_byte, line(c), name) for c in (m["fn"] for m in found)
                      if (name := compact(c)) in sleeps)
    starts = [s for s, _, _ in sleeping]
    out = []
    for match in found:
        if compact(match["fn"]) not in _JS_TEST_CALLEES:
            continue
        args = match["args"].named_children
        if len(args) < 2 or args[0].type not in ("string", "template_string"):
            continue
        callback = next((a for a in args[1:] if a.type in _JS_CALLBACKS), None)
        if callback is None:
            continue
        title = text(args[0])[1:-1]
        is_async = any(child.type == "async" for child in callback.children)
        inside = sleeping[bisect_left(starts, callback.start_byte):bisect_left(starts, callback.end_byte)]
        out.append(_test(rel, language, title, line(match["call"]), end_line(match["call"]), is_async,
                         ((n, name) for _, n, name in inside)))
    return out


_EX_CALLS = "(call target: (identifier) @name (arguments) @args) @call"
_EX_REMOTE = "(call target: (dot left: [(alias) (atom)] @left right: (identifier) @right)) @call"


def _elixir(rel: str, tree: ts.Tree, sleeps: frozenset[str]) -> list[dict[str, Any]]:
    async_modules: set[str] = set()
    tests = []
    for match in matches("elixir", _EX_CALLS, tree.root_node):
        name = text(match["name"])
        args = match["args"].named_children
        if name == "use" and args and compact(args[0]) == "ExUnit.Case":
            pairs = [p for kw in args[1:] if kw.type == "keywords" for p in kw.named_children]
            if any(text(p.child_by_field_name("key")).rstrip(": ") == "async"
                   and text(p.child_by_field_name("value")) == "true" for p in pairs):
                async_modules.add(".".join(elixir.enclosing_modules(match["call"])))
        elif name == "test" and args and args[0].type == "string":
            tests.append(match)
    out = []
    for match in tests:
        call = match["call"]
        body = next((c for c in call.named_children if c.type == "do_block"), None)
        found = []
        if body is not None:
            for remote in matches("elixir", _EX_REMOTE, body):
                callee = f"{compact(remote['left'])}.{text(remote['right'])}"
                if callee in sleeps:
                    found.append((line(remote["call"]), callee))
        module = ".".join(elixir.enclosing_modules(call))
        out.append(_test(rel, "elixir", text(match["args"].named_children[0])[1:-1], line(call),
                         end_line(call), module in async_modules, iter(found)))
    return out


def visit(sleeps: frozenset[str], rel: str, source: SourceFile) -> _Record:
    """(file, tests, problems) for one candidate file."""
    language = language_of(rel) or ""
    text, prob = source.text()
    if text is None:
        return rel, [], [prob] if prob else []
    if language == "python":
        found, problems = _python(rel, source, sleeps)
        return rel, found, problems
    if language == "rust" and "test" not in text:
        return rel, [], []
    grammar = treesitter.grammar_for(rel) or language
    tree = source.tree(grammar)
    problems = []
    error_line = treesitter.first_error_line(tree)
    if error_line is not None:
        problems.append(problem(rel, f"syntax error ({grammar}); tests after it may be missed",
                                line=error_line, code="syntax"))
    if language == "rust":
        found = _rust(rel, tree, sleeps)
    elif language == "go":
        found = _go(rel, tree, sleeps)
    elif language == "elixir":
        found = _elixir(rel, tree, sleeps)
    else:
        found = _javascript(rel, language, grammar, tree, sleeps)
    return rel, found, problems


def _scan_failed(rel: str, prob: dict[str, Any]) -> _Record:
    return rel, [], [prob]


def _candidates(files: Sequence[str]) -> Iterator[tuple[str, str, bool]]:
    """(file, language, is a test file) for every file that may hold tests."""
    for rel in files:
        language = language_of(rel)
        if language not in LANGUAGES:
            continue
        test_file = is_test(rel, language)
        if test_file or language == "rust":
            yield rel, language or "", test_file


def plan(ctx: ExtractContext) -> KindPlan:
    """This kind's part of the source pass (:mod:`sentinel.extractors.sourcepass`)."""
    sleeps = _sleep_calls(ctx)
    candidates = list(_candidates(ctx.files))
    test_files = {rel: language for rel, language, test_file in candidates if test_file}
    visitor = Visitor("tests", CACHE_VERSION, partial(visit, sleeps), _scan_failed)
    return KindPlan(ctx, visitor, [rel for rel, _, _ in candidates], partial(_document, ctx, test_files))


def extract(ctx: ExtractContext) -> dict[str, Any]:
    return extract_one(plan(ctx))


def _document(ctx: ExtractContext, test_files: dict[str, str], records: list[_Record]) -> dict[str, Any]:
    test_files = dict(test_files)
    tests: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for rel, found, more in records:
        tests.extend(found)
        problems.extend(more)
        if found:
            counts[rel] = len(found)
            test_files.setdefault(rel, found[0]["language"])
    tests.sort(key=lambda t: (t["file"], t["line"], t["name"]))
    files = [{"file": rel, "language": language, "tests": counts.get(rel, 0)}
             for rel, language in sorted(test_files.items())]
    summary = {
        "files": len(files),
        "tests": len(tests),
        "async": sum(1 for t in tests if t["async"]),
        "sleeping": sum(1 for t in tests if t["sleeps"]),
        "async_sleeping": sum(1 for t in tests if t["async"] and t["sleeps"]),
    }
    return document(ctx, "tests", files=files, tests=tests, summary=summary, problems=problems)
