"""Python imports, HTTP client calls and async functions.

Two engines give the same records (a test holds them to it):

- ``grimp`` (default, for packages: directories with ``__init__.py`` directly under a source
  root). grimp's Rust scanner finds every import statement with its line; we parse the
  statement text from grimp's import details (a regex for the usual one-line forms, the
  statement's lines or the file's ``ast`` otherwise). ``ast`` only sees the blocks that need
  it: each ``async def``, and the top-level statements that mention a name bound to
  something an HTTP-client pattern could reach (see ``pyblocks``).
- ``ast``: every file parsed whole. Used for files outside packages (scripts), for packages
  grimp cannot build (a syntax error anywhere in a package makes grimp give up on it) and
  when ``python.engine: ast`` is configured.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import io
import multiprocessing
import re
import sys
import tokenize
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import lru_cache, partial
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple

from sentinel.extractors.base import ExtractContext, PerFile, parallel_map, problem, read_source
from sentinel.extractors.cache import CachedRun
from sentinel.extractors.errors import ExtractorUsageError
from sentinel.extractors.imports.common import call_item, file_entry, import_item, match_call, string_list
from sentinel.extractors.imports.pyblocks import MAY_HAVE_ASYNC_DEF, BlockError, Source
from sentinel.extractors.pyast import parse as parse_python

STDLIB = frozenset(sys.stdlib_module_names)
# Bump when a Python file's record changes (sentinel.extractors.cache keys on it).
CACHE_VERSION = 1

_ID = r"[^\W\d]\w*"
_DOTTED = rf"{_ID}(?:[ \t]*\.[ \t]*{_ID})*"
_ALIASED = rf"{_DOTTED}(?:\s+as\s+{_ID})?"
_NAMES = rf"{_ID}(?:\s+as\s+{_ID})?(?:\s*,\s*{_ID}(?:\s+as\s+{_ID})?)*"
_IMPORT_LINE = re.compile(rf"import\s+(?P<body>{_ALIASED}(?:\s*,\s*{_ALIASED})*)\s*(?:#.*)?")
_FROM_LINE = re.compile(
    rf"from\s+(?P<dots>\.*)\s*(?P<mod>{_DOTTED})?\s+import\s+"
    rf"(?P<body>\*|\(\s*{_NAMES}\s*,?\s*\)|{_NAMES})\s*(?:#.*)?"
)
_AS = re.compile(r"\s+as\s+")
_MAX_STATEMENT_LINES = 1000
_FEW_LINES = 64


class ModuleInfo(NamedTuple):
    """Where a file sits in the import system: its dotted name and whether it is a package."""

    name: str | None
    is_package: bool


class Statement(NamedTuple):
    """One imported name list: ``import a.b as c`` or ``from .x import y as z``."""

    line: int
    syntax: str  # "import" | "from"
    level: int
    module: str
    names: tuple[tuple[str, str | None], ...]


# ---------------------------------------------------------------------------------------------
# Options and module names


def source_roots(ctx: ExtractContext) -> list[str]:
    """``python.roots`` as repo-relative prefixes ("" for the root), deepest first."""
    python = ctx.options.get("python") or {}
    if not isinstance(python, Mapping):
        raise ExtractorUsageError("extract option imports.python must be a mapping")
    configured = python.get("roots")
    if configured is None:
        roots = ["."] + (["src"] if (ctx.root / "src").is_dir() else [])
    else:
        roots = string_list(configured, "imports.python.roots")
    prefixes = {"" if r.strip("/") in ("", ".") else r.strip("/") + "/" for r in roots}
    return sorted(prefixes, key=lambda p: (-p.count("/"), p))


def engine(ctx: ExtractContext) -> str:
    python = ctx.options.get("python") or {}
    value = python.get("engine", "auto") if isinstance(python, Mapping) else "auto"
    if value not in ("auto", "ast"):
        raise ExtractorUsageError(
            f"extract option imports.python.engine must be 'auto' or 'ast', not {value!r}"
        )
    return str(value)


def module_info(rel: str, roots: Sequence[str]) -> ModuleInfo:
    """The dotted module of ``rel`` relative to the deepest source root holding it.

    Package directories must be identifiers; the file's own name need not be (Django's
    ``migrations/0001_initial.py`` is imported by name through importlib, and grimp scans it).
    """
    for root in roots:
        if rel.startswith(root):
            break
    else:
        return ModuleInfo(None, False)
    stem = rel[len(root):].rsplit(".", 1)[0]
    parts = stem.split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
        if not parts or not all(map(str.isidentifier, parts)):
            return ModuleInfo(None, True)
    elif not parts[-1] or "." in parts[-1] or not all(map(str.isidentifier, parts[:-1])):
        return ModuleInfo(None, False)
    return ModuleInfo(".".join(parts), is_package)


# ---------------------------------------------------------------------------------------------
# Statements: from import lines (grimp engine) or from the ast


@lru_cache(maxsize=8192)
def _parse_line(text: str) -> tuple[tuple[str, int, str, tuple[tuple[str, str | None], ...]], ...] | None:
    """(syntax, level, module, names) per statement of one line (the same lines recur across files)."""
    if text.startswith("import"):
        m = _IMPORT_LINE.fullmatch(text)
        if m is None:
            return None
        out = []
        for part in m["body"].split(","):
            name, alias = _split_alias(part)
            dotted = _squash(name)
            out.append(("import", 0, dotted, ((dotted, alias),)))
        return tuple(out)
    if text.startswith("from"):
        m = _FROM_LINE.fullmatch(text)
        if m is None:
            return None
        body = m["body"].strip("() \t")
        names = tuple(_split_alias(part) for part in body.split(",") if part.strip())
        return (("from", len(m["dots"]), _squash(m["mod"] or ""), names),)
    return None


def parse_line(text: str, line: int) -> list[Statement] | None:
    """The import statements in one line of source, or None when the fast forms do not fit."""
    parsed = _parse_line(text.strip())
    if parsed is None:
        return None
    return [Statement(line, syntax, level, module, names) for syntax, level, module, names in parsed]


def _squash(name: str) -> str:
    return "".join(name.split()) if " " in name or "\t" in name else name


def _split_alias(part: str) -> tuple[str, str | None]:
    part = part.strip()
    if " as" not in part and "\tas" not in part:
        return part, None
    pieces = _AS.split(part)
    return pieces[0], pieces[1] if len(pieces) > 1 else None


def _joined(lines: Sequence[str], line: int, stop: int) -> tuple[str, bool]:
    """The statement starting on ``line`` from ``lines[line - 1:stop]``, and whether it ends there."""
    parts: list[str] = []
    depth = 0
    for index in range(line - 1, stop):
        code = lines[index].split("#", 1)[0].rstrip()
        depth += code.count("(") - code.count(")")
        continued = code.endswith("\\")
        parts.append(code[:-1] if continued else code)
        if depth <= 0 and not continued:
            return " ".join(parts), True
    return " ".join(parts), False


def _statement_text(lines: Sequence[str], line: int) -> str:
    """A statement starting on ``line`` joined across parentheses and backslashes, comments dropped."""
    return _joined(lines, line, min(len(lines), line - 1 + _MAX_STATEMENT_LINES))[0]


def walk_statements(body: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """Every statement (and except handler / match case) in ``body``, nested ones included.

    Imports and function definitions are statements, so this finds them all without visiting
    the expressions that make up most of a tree.
    """
    stack = list(body)
    while stack:
        node = stack.pop()
        yield node
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            sub = getattr(node, name, None)
            if isinstance(sub, list):
                stack.extend(sub)


def statements_from_ast(tree: ast.Module) -> list[Statement]:
    out: list[Statement] = []
    for node in walk_statements(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                out.append(Statement(node.lineno, "import", 0, alias.name, ((alias.name, alias.asname),)))
        elif isinstance(node, ast.ImportFrom):
            names = tuple((a.name, a.asname) for a in node.names)
            out.append(Statement(node.lineno, "from", node.level or 0, node.module or "", names))
    return out


def statements_from_lines(rel: str, text: Callable[[], str], found: Iterable[tuple[int, str]],
                          ) -> list[Statement]:
    """The statements on the import lines grimp reported (line number, line text).

    ``text`` gives the file's source; it is asked for only when a line is not a whole statement.
    """
    out: list[Statement] = []
    lines: list[str] | None = None
    complete = False  # whether ``lines`` are all the file's lines
    by_line: dict[int, list[Statement]] | None = None
    reported = sorted(set(found))
    for line, contents in reported:
        parsed = parse_line(contents, line)
        if parsed is None:
            if lines is None:
                # The lines up to a few past the last import line, then the rest of the
                # text in one piece: splitting all of a long file costs more than the rest.
                head = reported[-1][0] - 1 + _FEW_LINES
                lines = text().split("\n", head)
                complete = len(lines) <= head
            cap = line - 1 + _MAX_STATEMENT_LINES
            stop = len(lines) if complete else len(lines) - 1
            joined, ended = _joined(lines, line, min(stop, cap))
            if not ended and not complete and stop < cap:
                lines, complete = text().split("\n"), True
                joined = _statement_text(lines, line)
            parsed = parse_line(joined, line)
        if parsed is None:
            if by_line is None:
                by_line = {}
                for stmt in statements_from_ast(parse_python(text(), rel)):
                    by_line.setdefault(stmt.line, []).append(stmt)
            parsed = by_line.get(line, [])
        out.extend(parsed)
    return out


def statements_best_effort(text: str) -> list[Statement]:
    """Import lines of a file that does not parse: each line on its own, what fits."""
    out: list[Statement] = []
    lines = text.split("\n")
    for index, raw in enumerate(lines, start=1):
        if raw.lstrip().startswith(("import ", "from ")):
            out.extend(parse_line(_statement_text(lines, index), index) or [])
    return out


# ---------------------------------------------------------------------------------------------
# Resolution: absolute targets, local bindings, call names


def resolve_base(stmt: Statement, info: ModuleInfo) -> str | None:
    """The absolute module a statement names, resolving leading dots; None beyond the top."""
    if stmt.level == 0:
        return stmt.module
    if info.name is None:
        return None
    parts = info.name.split(".")
    if not info.is_package:
        parts = parts[:-1]
    drop = stmt.level - 1
    if drop >= len(parts):
        return None
    parts = parts[: len(parts) - drop]
    return ".".join([*parts, stmt.module] if stmt.module else parts)


_LINE_AND_MODULE = attrgetter("line", "module")


def resolve_statements(rel: str, info: ModuleInfo, statements: Iterable[Statement],
                       ) -> tuple[list[dict[str, Any]], dict[str, str], list[dict[str, Any]]]:
    """Import records, the names they bind (local name -> dotted target) and problems."""
    items: list[dict[str, Any]] = []
    bindings: dict[str, str] = {}
    problems: list[dict[str, Any]] = []
    for stmt in sorted(statements, key=_LINE_AND_MODULE):
        if stmt.level == 0 and stmt.module == "__future__":
            continue  # a compiler directive, not an import (grimp leaves it out too)
        if stmt.syntax == "import":
            dotted, alias = stmt.names[0]
            items.append(import_item(rel, stmt.line, dotted, [], "import"))
            if alias:
                bindings[alias] = dotted
            else:
                head = dotted.split(".", 1)[0]
                bindings[head] = head
            continue
        base = resolve_base(stmt, info)
        if base is None:
            written = "." * stmt.level + stmt.module
            problems.append(problem(rel, f"relative import 'from {written} import ...' reaches beyond the "
                                    "top-level package", line=stmt.line, code="import"))
            continue
        items.append(import_item(rel, stmt.line, base, [n for n, _ in stmt.names], "from"))
        for name, alias in stmt.names:
            if name != "*":
                bindings[alias or name] = f"{base}.{name}"
    return items, bindings, problems


def call_name(node: ast.expr) -> str | None:
    """``a.b.c`` / ``a.b().c`` for a callee as written, or None for other callees."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = call_name(node.value)
        return None if inner is None else f"{inner}.{node.attr}"
    if isinstance(node, ast.Call):
        inner = call_name(node.func)
        return None if inner is None else f"{inner}()"
    return None


_ROOT = re.compile(r"[^.(]+")


def resolve_name(name: str, bindings: Mapping[str, str]) -> str:
    """A call name with its first name replaced by what the file's imports bind it to."""
    root = _ROOT.match(name)
    if root is None or root.group() not in bindings:
        return name
    return bindings[root.group()] + name[root.end():]


def reaching_names(bindings: Mapping[str, str], patterns: Sequence[str]) -> set[str]:
    """Local names through which a call could match a pattern.

    A call name is a binding followed by nothing, ``.attr`` or ``()``; it can match when the
    pattern starts with the binding at such a boundary, or the binding starts with the pattern.
    Either way both start with the same character, which rules out most bindings at once.
    """
    firsts = {p[0] for p in patterns if p}
    out = set()
    for local, bound in bindings.items():
        if not bound or bound[0] not in firsts:
            continue
        size = len(bound)
        for pattern in patterns:
            if bound.startswith(pattern) or (
                    pattern.startswith(bound) and (len(pattern) == size or pattern[size] in ".(")):
                out.add(local)
                break
    return out


@lru_cache(maxsize=256)
def _mention(name: str) -> re.Pattern[str]:
    """``name`` followed by a word boundary (the literal first makes the search fast)."""
    return re.compile(re.escape(name) + r"\b")


_WORD_OR_DOT = re.compile(r"[\w.]")


# ---------------------------------------------------------------------------------------------
# Async functions and calls


_SCOPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef})
# Fields that never hold a node with calls in it; per node class, the fields worth visiting.
_NOT_CHILDREN = frozenset({"ctx", "id", "attr", "arg", "name", "names", "type_comment", "kind", "level",
                           "module", "conversion", "is_async", "simple", "lineno"})
_ALL_FIELDS: dict[type, tuple[str, ...]] = {
    cls: tuple(f for f in cls._fields if f not in _NOT_CHILDREN)
    for cls in vars(ast).values()
    if isinstance(cls, type) and issubclass(cls, ast.AST)
}
_CHILD_FIELDS = {cls: fields for cls, fields in _ALL_FIELDS.items() if cls not in _SCOPES}


@dataclass
class _AsyncFunction:
    name: str
    line: int
    end_line: int
    calls: dict[tuple[int, str], bool] = field(default_factory=dict)  # (line, raw name) -> awaited


def body_calls(node: ast.FunctionDef | ast.AsyncFunctionDef, offset: int = 0) -> dict[tuple[int, str], bool]:
    """(line, call name as written) -> awaited, for the calls a function's own body makes.

    Calls in nested functions, lambdas and classes are left out: they do not run when the
    function runs (``run_in_executor(None, lambda: time.sleep(1))`` does not block).
    """
    calls: dict[tuple[int, str], bool] = {}
    awaited: set[int] = set()
    stack: list[Any] = list(node.body)
    while stack:
        sub = stack.pop()
        kind = type(sub)
        fields = _CHILD_FIELDS.get(kind)
        if fields is None:  # a nested scope, or not a node (a constant's value, a name string)
            continue
        if kind is ast.Await and type(sub.value) is ast.Call:
            awaited.add(id(sub.value))
        elif kind is ast.Call:
            name = call_name(sub.func)
            if name is not None:
                key = (sub.lineno + offset, name)
                calls[key] = calls.get(key, False) or id(sub) in awaited
        for field_name in fields:
            value = getattr(sub, field_name, None)
            if type(value) is list:
                stack.extend(value)
            elif value is not None:
                stack.append(value)
    return calls


def _async_function(node: ast.AsyncFunctionDef, offset: int) -> _AsyncFunction:
    return _AsyncFunction(node.name, node.lineno + offset, (node.end_lineno or node.lineno) + offset,
                          body_calls(node, offset))


def _async_records(rel: str, functions: Iterable[_AsyncFunction], bindings: Mapping[str, str],
                   ) -> list[dict[str, Any]]:
    out = []
    for function in functions:
        calls: dict[tuple[int, str], bool] = {}
        for (line, raw), awaited in function.calls.items():
            key = (line, resolve_name(raw, bindings))
            calls[key] = calls.get(key, False) or awaited
        out.append({
            "file": rel,
            "name": function.name,
            "line": function.line,
            "end_line": function.end_line,
            "calls": [{"file": rel, "line": line, "name": name, "awaited": calls[(line, name)]}
                      for line, name in sorted(calls)],
        })
    return out


def _calls(nodes: Iterable[ast.AST], offset: int) -> Iterator[tuple[int, str]]:
    """(line, name as written) of every call under ``nodes``, nested scopes included."""
    stack: list[Any] = list(nodes)
    while stack:
        sub = stack.pop()
        kind = type(sub)
        fields = _ALL_FIELDS.get(kind)
        if fields is None:
            continue
        if kind is ast.Call:
            name = call_name(sub.func)
            if name is not None:
                yield sub.lineno + offset, name
        for field_name in fields:
            value = getattr(sub, field_name, None)
            if type(value) is list:
                stack.extend(value)
            elif value is not None:
                stack.append(value)


def _http_calls(rel: str, calls: Iterable[tuple[int, str]], bindings: Mapping[str, str],
                patterns: Sequence[str]) -> list[dict[str, Any]]:
    out = []
    for line, raw in calls:
        name = resolve_name(raw, bindings)
        pattern = match_call(name, patterns)
        if pattern is not None:
            out.append(call_item(rel, line, name, pattern))
    return out


def _block_calls(text: str, reaching: set[str]) -> list[tuple[int, str]]:
    """The calls of the top-level statements that mention a name in ``reaching``."""
    source = Source(text)
    indexes = set()
    for name in reaching:  # where the name is a whole name, not an attribute or part of a longer one
        for match in _mention(name).finditer(text):
            start = match.start()
            if not start or not _WORD_OR_DOT.match(text, start - 1):
                indexes.add(source.line_index(start))
    calls: list[tuple[int, str]] = []
    for body, offset in source.top_level_statements(indexes):
        calls.extend(_calls(body, offset))
    return calls


def _tree_functions(tree: ast.Module) -> list[_AsyncFunction]:
    return [_async_function(node, 0) for node in walk_statements(tree.body)
            if isinstance(node, ast.AsyncFunctionDef)]


def _syntax_problem(rel: str, exc: Exception, note: str = "") -> dict[str, Any]:
    msg = getattr(exc, "msg", None) or str(exc)
    return problem(rel, f"syntax error: {msg}{note}", line=getattr(exc, "lineno", None), code="syntax")


def scan_source(rel: str, text: str, info: ModuleInfo, patterns: Sequence[str],
                ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The file record for one Python source, from its whole ``ast`` (the ast engine)."""
    try:
        tree = parse_python(text, rel)
    except (SyntaxError, ValueError) as exc:
        items, _, more = resolve_statements(rel, info, statements_best_effort(text))
        problems = [_syntax_problem(rel, exc, "; imports read line by line"), *more]
        return file_entry(rel, "python", info.name, items, []), problems
    items, bindings, problems = resolve_statements(rel, info, statements_from_ast(tree))
    reaching = reaching_names(bindings, patterns)
    has_async = MAY_HAVE_ASYNC_DEF.search(text) is not None
    functions = _tree_functions(tree) if has_async else []
    calls = list(_calls([tree], 0)) if reaching else []
    return file_entry(rel, "python", info.name, items, _http_calls(rel, calls, bindings, patterns),
                      _async_records(rel, functions, bindings)), problems


@dataclass
class Prescan:
    """What the grimp engine needs from a file besides its imports.

    ``functions`` is None when some ``async def`` block does not parse alone (the file is then
    parsed whole). ``climbs_out`` says a relative import may reach above the top-level package
    (a ``from`` token followed by more dots than the module is deep).
    """

    problem: dict[str, Any] | None = None
    text: str | None = None
    has_async: bool = False
    functions: list[_AsyncFunction] | None = None
    climbs_out: bool = False


@lru_cache(maxsize=64)
def _climbing(dots: int) -> re.Pattern[str]:
    """``from`` and ``dots`` dots (one regex with a literal prefix is faster than two ``in`` tests)."""
    return re.compile(rf"from[ \t]\.{{{dots}}}")


def check_sources(ctx: ExtractContext, files: Mapping[str, int]) -> dict[str, Prescan]:
    """Read each file (file -> package depth): its text or problem, and whether it climbs out."""
    out: dict[str, Prescan] = {}
    for rel, depth in files.items():
        text, prob = read_source(ctx, rel)
        if text is None:
            out[rel] = Prescan(problem=prob)
            continue
        climbs = _climbing(depth + 1).search(text) is not None and _climbs_out(text, depth + 1)
        out[rel] = Prescan(text=text, functions=[], has_async=MAY_HAVE_ASYNC_DEF.search(text) is not None,
                           climbs_out=climbs)
    return out


def _climbs_out(text: str, dots: int) -> bool:
    """Whether a ``from`` token is followed by at least ``dots`` dots, by the tokens.

    The regex also matches comments and strings (``# from ...``), which would send the whole
    package to the slower ast engine; a file it flags is checked again here. A file that does not
    tokenize keeps the flag.
    """
    try:
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        after_from = False
        count = 0
        for tok in tokens:
            if after_from and tok.type == tokenize.OP and tok.string in (".", "..."):
                count += len(tok.string)
                if count >= dots:
                    return True
                continue
            after_from = tok.type == tokenize.NAME and tok.string == "from"
            count = 0
    except (tokenize.TokenError, SyntaxError):
        return True
    return False


def parse_async_blocks(pre: Iterable[Prescan]) -> None:
    """Parse the ``async def`` blocks of the files that may have them (``functions``)."""
    for found in pre:
        if found.has_async and found.text is not None:
            try:
                blocks = Source(found.text).async_functions()
                found.functions = [_async_function(node, offset) for node, offset in blocks]
            except BlockError:
                found.functions = None


def _depth(module: str, info: ModuleInfo) -> int:
    """How many leading dots a relative import of this module may have."""
    return module.count(".") + (1 if info.is_package else 0)


def _grimp_safe(packages: Mapping[str, str], module_files: Mapping[str, str], pre: Mapping[str, Prescan],
                ) -> dict[str, str]:
    """The packages grimp can be given: every file readable, no relative import above the top.

    grimp 3.19 panics (a Rust panic, not an exception) on a relative import that climbs out of
    its package; those packages and any with unreadable files go to the ast engine instead.
    """
    unsafe: set[str] = set()
    for module, rel in module_files.items():
        found = pre[rel]
        if found.problem is not None or found.climbs_out:
            unsafe.add(module.split(".", 1)[0])
    return {name: root for name, root in packages.items() if name not in unsafe}


def scan_grimp_file(ctx: ExtractContext, rel: str, info: ModuleInfo, patterns: Sequence[str],
                    found: Iterable[tuple[int, str]], pre: Prescan,
                    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The file record from grimp's import lines and the prescan; ``ast`` only where needed."""
    text = pre.text

    def source() -> str:
        nonlocal text
        if text is None:
            text = read_source(ctx, rel)[0] or ""
        return text

    tree: ast.Module | None = None
    try:
        statements = statements_from_lines(rel, source, found)
    except (SyntaxError, ValueError) as exc:
        items, _, more = resolve_statements(rel, info, statements_best_effort(source()))
        problems = [_syntax_problem(rel, exc, "; imports read line by line"), *more]
        return file_entry(rel, "python", info.name, items, []), problems
    items, bindings, problems = resolve_statements(rel, info, statements)
    reaching = reaching_names(bindings, patterns)
    functions = pre.functions or []
    calls: list[tuple[int, str]] = []
    try:
        if pre.has_async and pre.functions is None:
            raise BlockError("an async function needs the whole file")
        if reaching:
            calls = _block_calls(source(), reaching)
    except BlockError:
        try:
            tree = parse_python(source(), rel)
        except (SyntaxError, ValueError) as exc:
            problems.append(_syntax_problem(rel, exc))
            return file_entry(rel, "python", info.name, items, []), problems
        functions = _tree_functions(tree) if pre.has_async else []
        calls = list(_calls([tree], 0)) if reaching else []
    return file_entry(rel, "python", info.name, items, _http_calls(rel, calls, bindings, patterns),
                      _async_records(rel, functions, bindings)), problems


_AstJob = tuple[str, str, str | None, bool, int, tuple[str, ...]]
_Scanned = tuple[dict[str, Any] | None, list[dict[str, Any]]]


def _ast_worker(args: _AstJob) -> _Scanned:
    root, rel, name, is_package, max_bytes, patterns = args
    text, prob = read_source(ExtractContext(root=Path(root), files=(), max_file_bytes=max_bytes), rel)
    if text is None:
        return None, [prob] if prob else []
    return scan_source(rel, text, ModuleInfo(name, is_package), patterns)


def _ast_job_file(args: _AstJob) -> str:
    return args[1]


def _scan_failed(job: object, prob: dict[str, Any]) -> _Scanned:
    return None, [prob]


# ---------------------------------------------------------------------------------------------
# grimp


def _top_packages(files: Sequence[str], roots: Sequence[str], infos: Mapping[str, ModuleInfo],
                  ) -> dict[str, str]:
    """Top-level packages (name -> root prefix): ``<root><name>/__init__.py`` among the files."""
    packages: dict[str, str] = {}
    for rel in files:
        info = infos[rel]
        if info.is_package and info.name and "." not in info.name and rel.endswith("__init__.py"):
            root = next(r for r in roots if rel.startswith(r))
            packages.setdefault(info.name, root)
    return packages


def _located_here(name: str, directory: Path) -> bool:
    """Whether importlib finds package ``name`` in ``directory`` (not an already imported namesake)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    if spec is None or not spec.origin or not spec.submodule_search_locations:
        return False
    if Path(spec.origin).name != "__init__.py":
        return False
    target = directory.resolve()
    return any(Path(loc).resolve() == target for loc in spec.submodule_search_locations)


def _build_graph(*names: str) -> Any | None:
    """grimp's graph of ``names``, or None when grimp cannot build it.

    A Rust panic inside grimp surfaces as pyo3's PanicException, a BaseException that cannot
    be imported by name; everything but interrupts and exits is caught here.
    """
    import grimp

    try:
        return grimp.build_graph(*names, include_external_packages=True, cache_dir=None)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException:
        return None


def isolated_grimp_import_lines(root: Path, packages: Mapping[str, str], wanted: Mapping[str, str],
                                ) -> dict[str, list[tuple[int, str]]]:
    """:func:`grimp_import_lines` in a child process, so that grimp crashing cannot end the run.

    grimp's Rust scanner overflows its stack (SIGSEGV, the whole process gone) on a statement
    nested some 50,000 deep, such as ``x = 1+1+...`` over hundreds of kilobytes. When the child
    dies, each package is tried in a child of its own; a package that kills one goes to the
    ast engine, which reports the file that cannot be parsed.
    """
    if not packages:
        return {}
    if multiprocessing.current_process().daemon:  # a pool worker may not start processes
        return grimp_import_lines(root, packages, wanted)
    attempts = [dict(packages)]
    out: dict[str, list[tuple[int, str]]] = {}
    while attempts:
        subset = attempts.pop(0)
        try:
            with ProcessPoolExecutor(max_workers=1) as pool:
                out.update(pool.submit(grimp_import_lines, root, subset, dict(wanted)).result())
        except BrokenProcessPool:
            if len(subset) > 1:
                attempts.extend({name: prefix} for name, prefix in sorted(subset.items()))
    return out


def _grimp_file(ctx: ExtractContext, info: ModuleInfo, patterns: Sequence[str],
                lines: Iterable[tuple[int, str]], pre: Prescan, rel: str) -> _Scanned:
    parse_async_blocks([pre])
    return scan_grimp_file(ctx, rel, info, patterns, lines, pre)


def grimp_import_lines(root: Path, packages: Mapping[str, str], wanted: Iterable[str],
                       ) -> dict[str, list[tuple[int, str]]]:
    """Import lines per module for every wanted module grimp could scan.

    grimp finds packages through importlib, so the source roots go on ``sys.path`` for the
    call (and come off again). A package grimp cannot build (a syntax error in any of its
    files, a name that resolves elsewhere) is left out: its files go to the ast engine.
    """
    saved = list(sys.path)
    root_dirs = sorted({str((root / prefix).resolve()) for prefix in packages.values()})
    sys.path[:0] = root_dirs
    importlib.invalidate_caches()
    graphs: list[Any] = []
    try:
        eligible = sorted(n for n, prefix in packages.items() if _located_here(n, root / prefix / n))
        if eligible:
            graph = _build_graph(*eligible)
            if graph is not None:
                graphs.append(graph)
            else:
                # One broken package must not cost the others grimp's speed.
                graphs.extend(g for name in eligible if (g := _build_graph(name)) is not None)
    finally:
        sys.path[:] = saved
        for directory in root_dirs:
            sys.path_importer_cache.pop(directory, None)
    out: dict[str, list[tuple[int, str]]] = {}
    built = set(eligible)
    for graph in graphs:
        modules = graph.modules
        for module in wanted:
            # A first-party package left out of the build (it climbs out, say) is an external
            # module of the graph, with no imports: its modules are not grimp's to give.
            if module not in modules or module in out or module.split(".", 1)[0] not in built:
                continue
            lines: list[tuple[int, str]] = []
            for imported in graph.find_modules_directly_imported_by(module):
                for detail in graph.get_import_details(importer=module, imported=imported):
                    lines.append((detail["line_number"], detail["line_contents"]))
            out[module] = lines
    return out


# ---------------------------------------------------------------------------------------------
# The language entry point


def classify(target: str, first_party_tops: frozenset[str]) -> str:
    top = target.split(".", 1)[0]
    if top in first_party_tops:
        return "first_party"
    if top in STDLIB:
        return "stdlib"
    return "third_party"


def extract_python(ctx: ExtractContext, files: Sequence[str], patterns: Sequence[str],
                   stats: Counter[str] | None = None,
                   ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every Python file's record, from the cache where it holds one; the rest are scanned.

    A file's record (before :func:`_classify_entries`) depends only on its path, its bytes,
    the options and the source roots, whichever engine made it, so it is cached on those.
    ``stats`` counts the files each engine scanned (``grimp``, ``ast``) and the cache ``hits``.
    """
    roots = source_roots(ctx)
    infos = {rel: module_info(rel, roots) for rel in files}
    patterns = tuple(patterns)
    stats = Counter() if stats is None else stats
    run = CachedRun(ctx, "imports", CACHE_VERSION, files, salt={"language": "python", "roots": roots})
    results: dict[str, _Scanned] = {}
    missing = list(run.missing)
    for index, value in run.hits.items():
        if _well_formed(value):
            results[files[index]] = value
        else:
            missing.append(index)
    stats["hits"] += len(results)
    results.update(_scan(ctx, files, [files[i] for i in missing], roots, infos, patterns, stats))
    for index in missing:
        run.store(index, results[files[index]])
    run.close()

    entries: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    for rel in files:
        entry_or_none, more = results[rel]
        if entry_or_none is not None:
            entries.append(entry_or_none)
        problems.extend(more)
    return _classify_entries(entries, infos.values()), problems


def _well_formed(value: Any) -> bool:
    """Whether a cached value has the shape :func:`_scan` gives (a cache folder may be written by anyone)."""
    return (type(value) is tuple and len(value) == 2 and type(value[1]) is list
            and (value[0] is None or (type(value[0]) is dict and type(value[0].get("imports")) is list)))


def _scan(ctx: ExtractContext, files: Sequence[str], missing: Sequence[str], roots: Sequence[str],
          infos: Mapping[str, ModuleInfo], patterns: tuple[str, ...], stats: Counter[str],
          ) -> dict[str, _Scanned]:
    """The records of the ``missing`` files (of all ``files``): grimp for the packages where at
    least half the modules are missing (a whole package costs grimp about what a few dozen files
    cost ``ast``), ``ast`` for the rest."""
    out: dict[str, _Scanned] = {}
    if not missing:
        return out
    wanted_files = set(missing)
    if engine(ctx) == "auto":
        packages = _top_packages(files, roots, infos)
        module_files: dict[str, str] = {}
        for rel in files:
            name = infos[rel].name
            if name and rel.endswith(".py") and name.split(".", 1)[0] in packages:
                module_files[name] = rel
        total: Counter[str] = Counter()
        absent: Counter[str] = Counter()
        for module, rel in module_files.items():
            top = module.split(".", 1)[0]
            total[top] += 1
            absent[top] += rel in wanted_files
        chosen = {name: prefix for name, prefix in packages.items()
                  if absent[name] and 2 * absent[name] >= total[name]}
        module_files = {m: rel for m, rel in module_files.items() if m.split(".", 1)[0] in chosen}
        if module_files:
            pre = check_sources(ctx, {rel: _depth(m, infos[rel]) for m, rel in sorted(module_files.items())})
            safe = _grimp_safe(chosen, module_files, pre)
            wanted = {m: rel for m, rel in module_files.items() if rel in wanted_files}
            found = isolated_grimp_import_lines(ctx.root, safe, wanted)
            for module, lines in sorted(found.items()):
                rel = module_files[module]
                guarded = PerFile(partial(_grimp_file, ctx, infos[rel], patterns, lines, pre[rel]),
                                  str, _scan_failed, ctx.file_timeout_ms)
                out[rel] = guarded(rel)
            stats["grimp"] += len(found)

    rest = [(str(ctx.root), rel, infos[rel].name, infos[rel].is_package, ctx.max_file_bytes, patterns)
            for rel in missing if rel not in out]
    scan = PerFile(_ast_worker, _ast_job_file, _scan_failed, ctx.file_timeout_ms)
    for job, result in zip(rest, parallel_map(scan, rest, jobs=ctx.jobs), strict=True):
        out[job[1]] = result
    stats["ast"] += len(rest)
    return out


def _classify_entries(entries: Iterable[dict[str, Any]], infos: Iterable[ModuleInfo]) -> list[dict[str, Any]]:
    """The entries with ``kind`` and ``modules`` filled in, once every module of the repository
    is known; new dicts, so that the cached records are never changed."""
    known: set[str] = set()
    for info in infos:
        name = info.name
        while name and name not in known:  # the name and its parents (already there: so are theirs)
            known.add(name)
            name = name.rpartition(".")[0]
    tops = frozenset(k.split(".", 1)[0] for k in known)
    kinds: dict[str, str] = {}
    # The same statements recur across files (``from ..utils import logging``): each distinct
    # one is worked out once.
    from_modules: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    out = []
    for entry in entries:
        items = []
        for item in entry["imports"]:
            target = item["target"]
            kind = kinds.get(target)
            if kind is None:
                kind = kinds[target] = classify(target, tops)
            modules = item["modules"]
            if item["syntax"] == "from":
                key = (target, tuple(item["names"]))
                cached = from_modules.get(key)
                if cached is None:
                    # each name's submodule when it is one, else the target itself
                    named = {f"{target}.{n}" for n in key[1]}
                    found = named & known
                    if len(found) < len(named) or not named:
                        found.add(target)
                    cached = from_modules[key] = sorted(found)
                modules = list(cached)
            items.append({**item, "kind": kind, "modules": modules})
        out.append({**entry, "imports": items})
    return out
