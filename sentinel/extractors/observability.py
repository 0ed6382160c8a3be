"""``observability`` kind: HTTP handlers and whether they emit metrics, logs and traces.

Handlers found (Python with ``ast``, the rest with tree-sitter):

- Python FastAPI / Starlette / Flask: a function decorated with ``@<x>.<verb>("/path", ...)``
  (``get``, ``post``, ``route``, ``api_route``, ...; ``methods=[...]`` read when literal). The
  first argument (or ``path=`` / ``rule=``) must be a string starting with ``/``. Router prefixes
  are not applied.
- Python aiohttp: ``<router>.add_get("/x", handler)`` (``add_post``, ... ``add_route("GET", "/x", h)``,
  ``add_view``) and route tables ``web.get("/x", h)`` / ``web.route(...)`` / ``web.view(...)``;
  Starlette: ``Route("/x", endpoint, methods=[...])`` and ``WebSocketRoute``. The handler named
  (``h``, ``views.h``, ``self.h``) is looked up by name like a Django view.
- Django: ``path()`` / ``re_path()`` / ``url()`` in URLconf files (``urls.py``); the view named
  (``views.detail``, ``DetailView.as_view()``) is looked up by name among the Python files,
  preferring the module the URLconf names. ``include()`` is not followed.
- Rust axum: ``.route("/x", get(a).post(b))`` (also ``routing::get``); actix-web: ``#[get("/x")]``
  on a function. The handler function is looked up by name, same file first.
- Go net/http and routers: ``<x>.HandleFunc("/x", h)``, ``Handle``, chi/gin/echo verbs
  (``r.Get``, ``r.GET``); Go 1.22 ``"GET /x"`` patterns; function literals count as inline handlers.
- JavaScript/TypeScript Express (and routers with the same shape): ``<x>.get("/x", ..., handler)``
  (``post``, ``put``, ``patch``, ``delete``, ``head``, ``options``, ``all``); the last argument is
  the handler, a function literal (inline) or a name looked up in the tree, same file first.
- Elixir Phoenix: public ``def action(conn, params)`` in modules whose name ends with
  ``Controller``; routes and verbs come from router calls (``get "/x", UserController, :index``,
  inside ``scope "/api"``) when a router is in the tree.

For each handler: ``emits_metric`` / ``emits_log`` / ``emits_trace`` and the matching calls with
lines, looking at the calls in the handler body and its decorators/attributes. A call matches a
pattern when the pattern occurs in the call text followed by ``(`` (``REQUESTS.labels(...).inc(``
matches ``.inc(``), without case, and a pattern starting with a letter must start at a name
boundary (``log.info`` does not match ``catalog.info``). ``public`` is false when the route
matches one of ``internal_routes`` (fnmatch globs).

``unstructured_logs`` (Python, test files excluded): ``print()`` calls, and logger calls
(``debug``/``info``/``warning``/``error``/``exception``/``critical``/``log`` on a receiver whose
last name contains ``log``) whose message is an f-string, ``%``-formatted, ``.format()``-ed or
concatenated string, with file and line.

Options (``extract.options.observability``):

- ``handler_patterns``: ``python`` (decorator verbs), ``go`` (registration methods), ``rust``
  (method-router functions and actix attributes), ``elixir`` (router verbs), ``django_urlconfs``
  (file globs, ``**/urls.py``), ``controller_suffix`` (``Controller``). Defaults in
  ``DEFAULT_HANDLER_PATTERNS``.
- ``metric_calls``, ``log_calls``, ``trace_calls``: patterns (defaults below).
- ``internal_routes`` (``/internal/*``, ``/health``, ``/healthz``, ``/metrics``, ``/readyz``, ``/livez``).
- ``unstructured_logs`` (true): whether to list unstructured log calls.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cache, partial
from pathlib import Path
from typing import Any

import pathspec
import tree_sitter as ts

from sentinel.extractors import treesitter
from sentinel.extractors.base import ExtractContext, PerFile, document, problem, read_source
from sentinel.extractors.errors import ExtractorError
from sentinel.extractors.pyast import dotted
from sentinel.extractors.pyast import parse as parse_python
from sentinel.extractors.sourcepass import KindPlan, SourceFile, TextHint, Visitor, extract_one
from sentinel.extractors.testpaths import is_test_path

KIND = "observability"
# Bump when this kind's per-file records change (sentinel.extractors.cache keys on it).
CACHE_VERSION = 3
MAX_CALL_CHARS = 120

# fmt: off
DEFAULT_METRIC_CALLS = [
    "metrics.", "prometheus", "statsd.", "counter.inc", ".observe(", ".inc(", "Counter(", "Histogram(",
    "Gauge(", "Summary(", ":telemetry.execute", "counter!(", "histogram!(", "gauge!(",
]
DEFAULT_LOG_CALLS = [
    "logger.info", "logger.debug", "logger.warning", "logger.error", "logger.exception", "logger.critical",
    "log.info", "log.debug", "log.warning", "log.warn", "log.error", "structlog", "logger.bind",
    "Logger.info", "Logger.debug", "Logger.warning", "Logger.warn", "Logger.error", "tracing::info!",
    "tracing::debug!", "tracing::warn!", "tracing::error!", "info!(", "warn!(", "error!(", "debug!(",
    "slog.", "zap.",
]
DEFAULT_TRACE_CALLS = [
    "tracer.start_as_current_span", "start_span", "span(", "span!(", "#[instrument]", "tracing::instrument",
    "_span!(", "OpenTelemetry.Tracer", "Tracer.with_span", "otel.Tracer", "tracer.Start(",
]
# fmt: on
DEFAULT_INTERNAL_ROUTES = ["/internal/*", "/health", "/healthz", "/metrics", "/readyz", "/livez"]
HTTP_VERBS = ["get", "post", "put", "delete", "patch", "head", "options", "trace"]
DEFAULT_HANDLER_PATTERNS: dict[str, Any] = {
    "python": [*HTTP_VERBS, "route", "api_route", "websocket"],
    "go": [
        "HandleFunc",
        "Handle",
        *(v.capitalize() for v in HTTP_VERBS),
        *(v.upper() for v in HTTP_VERBS),
        "Any",
    ],
    "rust": [*HTTP_VERBS, "any"],
    "elixir": [*HTTP_VERBS],
    "javascript": [*HTTP_VERBS, "all"],
    "django_urlconfs": ["**/urls.py", "urls.py"],
    "controller_suffix": "Controller",
}
_LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"}


# ---------------------------------------------------------------------------------------------
# configuration and call matching


@dataclass(frozen=True)
class Matcher:
    """Call-text patterns of one kind (metric, log or trace), compiled once into one regex."""

    patterns: tuple[str, ...]
    regex: re.Pattern[str]

    @classmethod
    def of(cls, patterns: Sequence[str]) -> Matcher:
        parts = [(r"(?<![A-Za-z0-9_])" if p[:1].isalnum() else "") + re.escape(p) for p in patterns]
        return cls(tuple(patterns), re.compile("|".join(parts) if parts else r"(?!)", re.IGNORECASE))

    def matches(self, text: str) -> bool:
        return self.regex.search(text) is not None


@dataclass(frozen=True)
class Config:
    root: str
    max_file_bytes: int
    metric: Matcher
    log: Matcher
    trace: Matcher
    python_verbs: frozenset[str]
    go_methods: frozenset[str]
    rust_methods: frozenset[str]
    elixir_verbs: frozenset[str]
    javascript_verbs: frozenset[str]
    django_urlconfs: tuple[str, ...]
    controller_suffix: str
    unstructured: bool


def _option_error(name: str, message: str) -> ExtractorError:
    return ExtractorError(f"extract.options.observability.{name}: {message}")


def _str_list(value: Any, name: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _option_error(name, "must be a list of non-empty strings")
    return list(value)


def build_config(ctx: ExtractContext) -> tuple[Config, list[str]]:
    options = dict(ctx.options)
    known = {
        "handler_patterns",
        "metric_calls",
        "log_calls",
        "trace_calls",
        "internal_routes",
        "unstructured_logs",
    }
    unknown = sorted(set(options) - known)
    if unknown:
        raise _option_error(unknown[0], f"unknown option; choose from {', '.join(sorted(known))}")
    hp = options.get("handler_patterns") or {}
    if not isinstance(hp, dict):
        raise _option_error("handler_patterns", "must be a mapping")
    bad = sorted(set(hp) - set(DEFAULT_HANDLER_PATTERNS))
    if bad:
        raise _option_error(
            f"handler_patterns.{bad[0]}",
            "unknown key; choose from " + ", ".join(sorted(DEFAULT_HANDLER_PATTERNS)),
        )
    patterns = {**DEFAULT_HANDLER_PATTERNS, **hp}
    suffix = patterns["controller_suffix"]
    if not isinstance(suffix, str):
        raise _option_error("handler_patterns.controller_suffix", "must be a string")
    internal = _str_list(options.get("internal_routes", DEFAULT_INTERNAL_ROUTES), "internal_routes")
    cfg = Config(
        root=str(ctx.root),
        max_file_bytes=ctx.max_file_bytes,
        metric=Matcher.of(_str_list(options.get("metric_calls", DEFAULT_METRIC_CALLS), "metric_calls")),
        log=Matcher.of(_str_list(options.get("log_calls", DEFAULT_LOG_CALLS), "log_calls")),
        trace=Matcher.of(_str_list(options.get("trace_calls", DEFAULT_TRACE_CALLS), "trace_calls")),
        python_verbs=frozenset(_str_list(patterns["python"], "handler_patterns.python")),
        go_methods=frozenset(_str_list(patterns["go"], "handler_patterns.go")),
        rust_methods=frozenset(_str_list(patterns["rust"], "handler_patterns.rust")),
        elixir_verbs=frozenset(_str_list(patterns["elixir"], "handler_patterns.elixir")),
        javascript_verbs=frozenset(_str_list(patterns["javascript"], "handler_patterns.javascript")),
        django_urlconfs=tuple(_str_list(patterns["django_urlconfs"], "handler_patterns.django_urlconfs")),
        controller_suffix=suffix,
        unstructured=bool(options.get("unstructured_logs", True)),
    )
    return cfg, internal


# ---------------------------------------------------------------------------------------------
# per-file facts


@dataclass
class Definition:
    """A function (or class, for Django views) with the observability calls in it."""

    file: str
    line: int
    name: str
    qualname: str
    language: str
    module: str = ""
    metric: list[tuple[str, int]] = field(default_factory=list)
    log: list[tuple[str, int]] = field(default_factory=list)
    trace: list[tuple[str, int]] = field(default_factory=list)
    public: bool = True
    params: tuple[str, ...] = ()
    checked: bool = True


@dataclass
class Registration:
    """A route registered somewhere, pointing at a handler by name (or inline)."""

    file: str
    line: int
    framework: str
    language: str
    route: str | None
    method: str
    target: str
    module_hint: str = ""
    inline: Definition | None = None


@dataclass
class FileFacts:
    definitions: list[Definition] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    unstructured: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_CALL_CHARS else text[: MAX_CALL_CHARS - 3] + "..."


def _record(defn: Definition, cfg: Config, text: str, line: int) -> None:
    """File a call (text ending in ``(``, or a decorator/attribute) under the kinds it matches."""
    if cfg.metric.matches(text):
        defn.metric.append((_short(text), line))
    if cfg.log.matches(text):
        defn.log.append((_short(text), line))
    if cfg.trace.matches(text):
        defn.trace.append((_short(text), line))


# --- Python -----------------------------------------------------------------------------------


def _callee(node: ast.expr) -> str:
    """Short text of what is called: ``REQUESTS.labels(...).inc``, ``get_logger(...).info``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_callee(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return f"{_callee(node.func)}(...)"
    if isinstance(node, ast.Subscript):
        return f"{_callee(node.value)}[...]"
    if isinstance(node, ast.Constant):
        return "<str>" if isinstance(node.value, str) else "<const>"
    return f"<{type(node).__name__.lower()}>"


def _str_const(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _route_decorator(deco: ast.expr, verbs: frozenset[str]) -> tuple[str, list[str]] | None:
    """(route, methods) when ``deco`` is ``@<x>.<verb>("/path", ...)``."""
    if not (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute) and deco.func.attr in verbs):
        return None
    route = _str_const(deco.args[0]) if deco.args else None
    methods: list[str] = []
    for kw in deco.keywords:
        if kw.arg in ("path", "rule") and route is None:
            route = _str_const(kw.value)
        elif kw.arg == "methods" and isinstance(kw.value, ast.List | ast.Tuple | ast.Set):
            methods = [m.upper() for m in (_str_const(e) for e in kw.value.elts) if m]
    if route is None or not (route.startswith("/") or route == ""):
        return None
    verb = deco.func.attr
    if not methods:
        if verb in ("route", "api_route"):
            methods = ["GET"] if verb == "route" else ["ANY"]
        elif verb == "websocket":
            methods = ["WEBSOCKET"]
        else:
            methods = [verb.upper()]
    return route, methods


def _hinted_nodes(body: Sequence[ast.AST], lines: frozenset[int]) -> Iterator[ast.AST]:
    """Nodes of the statements that span a line in ``lines`` (statement blocks walked, the rest not)."""
    for stmt in body:
        start = getattr(stmt, "lineno", 0)
        end = getattr(stmt, "end_lineno", start) or start
        if not any(start <= n <= end for n in lines):
            continue
        blocks = [getattr(stmt, f) for f in _BLOCK_FIELDS if getattr(stmt, f, None)]
        if not blocks:
            yield from ast.walk(stmt)
            continue
        for name, value in ast.iter_fields(stmt):
            if name in _BLOCK_FIELDS:
                continue
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, ast.AST):
                    yield from ast.walk(item)
        for block in blocks:
            yield from _hinted_nodes(block, lines)


def _unstructured(rel: str, tree: ast.Module, source: str) -> list[dict[str, Any]]:
    """Unstructured log calls, looking only at statements on lines the text hint matched."""
    lines = frozenset(
        source.count("\n", 0, m.start()) + 1 for m in _UNSTRUCTURED_HINT.pattern.finditer(source)
    )
    out = []
    for node in _hinted_nodes(tree.body, lines):
        if not isinstance(node, ast.Call) or node.lineno not in lines:
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "print":
            out.append({"file": rel, "line": node.lineno, "call": "print", "reason": "print"})
            continue
        if not (isinstance(func, ast.Attribute) and func.attr in _LOG_METHODS):
            continue
        receiver = dotted(func.value)
        if receiver is None or "log" not in receiver.rsplit(".", 1)[-1].lower():
            continue
        index = 1 if func.attr == "log" else 0
        msg: ast.expr | None = node.args[index] if len(node.args) > index else None
        if msg is None:
            msg = next((k.value for k in node.keywords if k.arg in ("msg", "event", "message")), None)
        reason = _message_reason(msg)
        if reason:
            out.append(
                {"file": rel, "line": node.lineno, "call": f"{receiver}.{func.attr}", "reason": reason}
            )
    return out


def _message_reason(msg: ast.expr | None) -> str | None:
    if isinstance(msg, ast.JoinedStr) and any(isinstance(v, ast.FormattedValue) for v in msg.values):
        return "fstring"
    if isinstance(msg, ast.BinOp):
        if isinstance(msg.op, ast.Mod) and isinstance(msg.left, ast.Constant | ast.JoinedStr):
            return "percent"
        if isinstance(msg.op, ast.Add):
            return "concat"
    if (
        isinstance(msg, ast.Call)
        and isinstance(msg.func, ast.Attribute)
        and msg.func.attr == "format"
        and isinstance(msg.func.value, ast.Constant)
    ):
        return "format"
    return None


def _module_of(rel: str) -> str:
    stem = rel[:-3] if rel.endswith(".py") else rel
    if stem.endswith("/__init__"):
        stem = stem[: -len("/__init__")]
    return stem.replace("/", ".")


@cache
def _spec(globs: tuple[str, ...]) -> pathspec.PathSpec:
    return pathspec.PathSpec.from_lines("gitwildmatch", globs)


def _is_urlconf(rel: str, cfg: Config) -> bool:
    return _spec(cfg.django_urlconfs).match_file(rel)


_UNSTRUCTURED_HINT = TextHint(
    re.compile(
        r"\bprint\s*\(|log\w*\s*\.\s*(?:debug|info|warning|warn|error|exception|critical|fatal|log)\s*\(",
        re.IGNORECASE,
    ),
    ("print", "log"),
    fold=True,
)


_BLOCK_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def _python_defs(
    body: Sequence[ast.AST],
    prefix: str,
    out: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, str]],
) -> None:
    """Functions and classes with qualified names, walking statement blocks only (defs are statements)."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            qual = f"{prefix}{node.name}"
            out.append((node, qual))
            _python_defs(node.body, qual + ".", out)
            continue
        for name in _BLOCK_FIELDS:
            block = getattr(node, name, None)
            if block:
                _python_defs(block, prefix, out)


def python_signals(
    defn: Definition, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, cfg: Config
) -> None:
    """File the calls in a definition (nested functions and methods included) and its decorators."""
    for deco in node.decorator_list:
        if not isinstance(node, ast.ClassDef) and _route_decorator(deco, cfg.python_verbs) is not None:
            continue
        if isinstance(deco, ast.Call):
            _record(defn, cfg, _callee(deco.func) + "(", deco.lineno)
        else:
            _record(defn, cfg, "@" + _callee(deco), deco.lineno)
    for stmt in node.body:
        for sub in ast.walk(stmt):
            if isinstance(sub, ast.Call):
                _record(defn, cfg, _callee(sub.func) + "(", sub.lineno)
            elif isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                for deco in sub.decorator_list:
                    text = _callee(deco.func) + "(" if isinstance(deco, ast.Call) else "@" + _callee(deco)
                    _record(defn, cfg, text, deco.lineno)
    defn.checked = True


def scan_python(rel: str, file: SourceFile, source: str, cfg: Config) -> FileFacts:
    """Definitions, routes and unstructured logs of one module.

    Only route-decorated functions get their calls matched here; any other definition is a stub
    (``checked`` false) that is filled in later if a URLconf turns out to route to it, so most
    modules are never walked expression by expression.
    """
    facts = FileFacts()
    try:
        tree = file.python()
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        facts.problems.append(
            problem(
                rel,
                f"cannot parse Python: {getattr(exc, 'msg', exc)}",
                line=getattr(exc, "lineno", None),
                code="syntax",
            )
        )
        return facts
    module = _module_of(rel)
    framework = _python_framework(tree)
    defs: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, str]] = []
    _python_defs(tree.body, "", defs)
    for node, qual in defs:
        defn = Definition(rel, node.lineno, node.name, qual, "python", module, checked=False)
        facts.definitions.append(defn)
        if isinstance(node, ast.ClassDef):
            continue
        routes = [
            r for r in (_route_decorator(d, cfg.python_verbs) for d in node.decorator_list) if r is not None
        ]
        lines = [d.lineno for d in node.decorator_list if _route_decorator(d, cfg.python_verbs) is not None]
        if routes:
            python_signals(defn, node, cfg)
        for (route, methods), line in zip(routes, lines, strict=True):
            for method in methods:
                facts.registrations.append(
                    Registration(rel, line, framework, "python", route, method, qual, module, inline=defn)
                )
    if _is_urlconf(rel, cfg):
        facts.registrations.extend(_django_routes(rel, tree, module))
    if _TABLE_HINT.search(file, source):
        facts.registrations.extend(_table_routes(rel, tree, module))
    if cfg.unstructured and not is_test_path(rel) and _UNSTRUCTURED_HINT.search(file, source):
        facts.unstructured = _unstructured(rel, tree, source)
    return facts


def check_python_definitions(cfg: Config, rel: str, wanted: Sequence[Definition]) -> None:
    """Fill in the signals of stub definitions of ``rel`` (re-reading and re-parsing it)."""
    ctx = ExtractContext(root=Path(cfg.root), files=(), max_file_bytes=cfg.max_file_bytes)
    source, _ = read_source(ctx, rel)
    if source is None:
        return
    try:
        tree = parse_python(source, rel)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    defs: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, str]] = []
    _python_defs(tree.body, "", defs)
    by_key = {(node.lineno, qual): node for node, qual in defs}
    for defn in wanted:
        node = by_key.get((defn.line, defn.qualname))
        if node is not None:
            python_signals(defn, node, cfg)


_FRAMEWORKS = ("fastapi", "starlette", "flask", "quart", "sanic", "litestar", "aiohttp")


def _python_framework(tree: ast.Module) -> str:
    """The web framework a module imports (first of ``_FRAMEWORKS``), else ``python``."""
    imported: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            imported.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module.split(".")[0])
    return next((f for f in _FRAMEWORKS if f in imported), "python")


_AIOHTTP_ADD = {f"add_{v}": v.upper() for v in HTTP_VERBS} | {"add_view": "ANY"}
_AIOHTTP_TABLE = {v: v.upper() for v in HTTP_VERBS} | {"view": "ANY"}
_STARLETTE = {"Route": "GET", "WebSocketRoute": "WEBSOCKET"}
_TABLE_HINT = TextHint(
    re.compile(r"\badd_(?:\w+)\s*\(|\b(?:Route|WebSocketRoute)\s*\(|\bweb\s*\.\s*\w+\s*\("),
    ("add_", "Route", "web"),
)


def _target(node: ast.expr, module: str) -> tuple[str, str] | None:
    """(name, module hint) of a handler named by ``h``, ``views.h`` or ``self.h``."""
    name = dotted(node)
    if name is None:
        return None
    hint, _, short = name.rpartition(".")
    if not hint or hint.split(".")[0] in ("self", "cls"):
        return short, module
    package = module.rpartition(".")[0]
    return short, f"{package}.{hint}" if package else hint


def _table_routes(rel: str, tree: ast.Module, module: str) -> list[Registration]:
    """aiohttp ``router.add_get(...)`` / ``web.get(...)`` and Starlette ``Route(...)`` registrations."""
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        attr = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        args = list(node.args)
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        framework, method = "aiohttp", ""
        if attr == "add_route" and isinstance(func, ast.Attribute) and len(args) >= 3:
            method = (_str_const(args[0]) or "ANY").upper()
            args = args[1:]
        elif attr in _AIOHTTP_ADD and isinstance(func, ast.Attribute):
            method = _AIOHTTP_ADD[attr]
        elif (
            isinstance(func, ast.Attribute)
            and dotted(func.value) in ("web", "aiohttp.web")
            and (attr in _AIOHTTP_TABLE or attr == "route")
        ):
            if attr == "route" and len(args) >= 3:
                method = (_str_const(args[0]) or "ANY").upper()
                args = args[1:]
            elif attr != "route":
                method = _AIOHTTP_TABLE[attr]
        elif attr in _STARLETTE:
            framework = "starlette"
            method = _STARLETTE[attr]
            methods = kw.get("methods")
            if isinstance(methods, ast.List | ast.Tuple) and methods.elts:
                method = ",".join(m.upper() for m in (_str_const(e) for e in methods.elts) if m) or method
        if not method:
            continue
        route = _str_const(args[0]) if args else _str_const(kw.get("path"))
        handler = args[1] if len(args) >= 2 else kw.get("handler") or kw.get("endpoint")
        if route is None or not route.startswith("/") or handler is None:
            continue
        target = _target(handler, module)
        if target is None:
            continue
        for verb in method.split(","):
            out.append(Registration(rel, node.lineno, framework, "python", route, verb, target[0], target[1]))
    return out


def _django_routes(rel: str, tree: ast.Module, module: str) -> list[Registration]:
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and len(node.args) >= 2):
            continue
        name = dotted(node.func)
        if name is None or name.rsplit(".", 1)[-1] not in ("path", "re_path", "url"):
            continue
        route = _str_const(node.args[0])
        view = node.args[1]
        if (
            isinstance(view, ast.Call)
            and isinstance(view.func, ast.Attribute)
            and view.func.attr == "as_view"
        ):
            view = view.func.value
        target = dotted(view)
        if route is None or target is None:
            continue
        hint, _, short = target.rpartition(".")
        package = module.rpartition(".")[0]
        hint_module = f"{package}.{hint}" if hint and package else hint
        shown = route if route.startswith("/") else "/" + route
        out.append(Registration(rel, node.lineno, "django", "python", shown, "ANY", short, hint_module))
    return out


# --- tree-sitter helpers ----------------------------------------------------------------------


def _text(node: ts.Node | None) -> str:
    return "" if node is None else (node.text or b"").decode("utf-8", "replace")


def _string_value(node: ts.Node | None) -> str | None:
    """The content of a plain string literal node (no interpolation), else None."""
    if node is None:
        return None
    if node.type in ("string_literal", "interpreted_string_literal", "raw_string_literal", "string"):
        parts = []
        for child in node.named_children:
            if child.type in (
                "string_content",
                "interpreted_string_literal_content",
                "raw_string_literal_content",
                "quoted_content",
                "escape_sequence",
            ):
                parts.append(_text(child))
            else:
                return None
        return "".join(parts)
    return None


def _args(node: ts.Node | None) -> list[ts.Node]:
    if node is None:
        return []
    return [c for c in node.named_children if c.type not in ("comment", "line_comment", "block_comment")]


def _line(node: ts.Node) -> int:
    return int(node.start_point[0]) + 1


# --- Rust -------------------------------------------------------------------------------------


def _rust_calls(defn: Definition, node: ts.Node, cfg: Config) -> None:
    for sub in treesitter.walk(node):
        if sub.type == "call_expression":
            func = sub.child_by_field_name("function")
            _record(defn, cfg, _text(func) + "(", _line(sub))
        elif sub.type == "macro_invocation":
            _record(defn, cfg, _text(sub.child_by_field_name("macro")) + "!(", _line(sub))


def _rust_attribute(attr_item: ts.Node) -> tuple[str, ts.Node | None]:
    attr = next((c for c in attr_item.named_children if c.type == "attribute"), None)
    if attr is None:
        return "", None
    path = next((c for c in attr.named_children if c.type in ("identifier", "scoped_identifier")), None)
    return _text(path), attr.child_by_field_name("arguments")


def scan_rust(rel: str, tree: ts.Tree, cfg: Config) -> FileFacts:
    facts = FileFacts()
    for node in treesitter.walk(tree.root_node):
        if node.type == "function_item":
            name = _text(node.child_by_field_name("name"))
            defn = Definition(rel, _line(node), name, name, "rust")
            body = node.child_by_field_name("body")
            if body is not None:
                _rust_calls(defn, body, cfg)
            sibling = node.prev_named_sibling
            while sibling is not None and sibling.type in ("attribute_item", "line_comment", "block_comment"):
                if sibling.type == "attribute_item":
                    path, args = _rust_attribute(sibling)
                    _record(defn, cfg, f"#[{path}]", _line(sibling))
                    verb = path.rsplit("::", 1)[-1]
                    if verb in cfg.rust_methods and args is not None:
                        route = next(
                            (_string_value(c) for c in args.named_children if c.type == "string_literal"),
                            None,
                        )
                        if route is not None:
                            facts.registrations.append(
                                Registration(
                                    rel,
                                    _line(sibling),
                                    "actix",
                                    "rust",
                                    route,
                                    verb.upper(),
                                    name,
                                    inline=defn,
                                )
                            )
                sibling = sibling.prev_named_sibling
            facts.definitions.append(defn)
        elif node.type == "call_expression":
            func = node.child_by_field_name("function")
            if (
                func is None
                or func.type != "field_expression"
                or _text(func.child_by_field_name("field")) != "route"
            ):
                continue
            route_args = _args(node.child_by_field_name("arguments"))
            if len(route_args) < 2:
                continue
            route = _string_value(route_args[0])
            for verb, target in _axum_method_routers(route_args[1], cfg):
                facts.registrations.append(
                    Registration(rel, _line(node), "axum", "rust", route, verb, target)
                )
    return facts


def _axum_method_routers(node: ts.Node, cfg: Config) -> list[tuple[str, str]]:
    out = []
    for sub in treesitter.walk(node):
        if sub.type != "call_expression":
            continue
        func = sub.child_by_field_name("function")
        if func is None:
            continue
        if func.type == "identifier":
            verb = _text(func)
        elif func.type == "scoped_identifier":
            verb = _text(func.child_by_field_name("name"))
        elif func.type == "field_expression":
            verb = _text(func.child_by_field_name("field"))
        else:
            continue
        if verb not in cfg.rust_methods:
            continue
        args = _args(sub.child_by_field_name("arguments"))
        if args and args[0].type in ("identifier", "scoped_identifier"):
            out.append(("ANY" if verb == "any" else verb.upper(), _text(args[0]).rsplit("::", 1)[-1]))
    return out


# --- Go ---------------------------------------------------------------------------------------


def _go_calls(defn: Definition, node: ts.Node, cfg: Config) -> None:
    for sub in treesitter.walk(node):
        if sub.type == "call_expression":
            _record(defn, cfg, _text(sub.child_by_field_name("function")) + "(", _line(sub))


def scan_go(rel: str, tree: ts.Tree, cfg: Config) -> FileFacts:
    facts = FileFacts()
    for node in treesitter.walk(tree.root_node):
        if node.type in ("function_declaration", "method_declaration"):
            name = _text(node.child_by_field_name("name"))
            qual = name
            receiver = node.child_by_field_name("receiver")
            if receiver is not None:
                param = next((c for c in receiver.named_children if c.type == "parameter_declaration"), None)
                rtype = _text(param.child_by_field_name("type") if param is not None else None).lstrip("*")
                qual = f"{rtype}.{name}" if rtype else name
            defn = Definition(rel, _line(node), name, qual, "go")
            body = node.child_by_field_name("body")
            if body is not None:
                _go_calls(defn, body, cfg)
            facts.definitions.append(defn)
        elif node.type == "call_expression":
            func = node.child_by_field_name("function")
            if func is None or func.type != "selector_expression":
                continue
            method = _text(func.child_by_field_name("field"))
            if method not in cfg.go_methods:
                continue
            args = _args(node.child_by_field_name("arguments"))
            if len(args) < 2:
                continue
            pattern = _string_value(args[0])
            if pattern is None:
                continue
            verb = "ANY" if method in ("HandleFunc", "Handle", "Any") else method.upper()
            route = pattern
            head, _, rest = pattern.partition(" ")
            if rest.startswith("/") and head.isupper():
                verb, route = head, rest.strip()
            if not route.startswith("/"):
                continue
            handler = args[1]
            if handler.type == "func_literal":
                inline = Definition(rel, _line(handler), "<anonymous>", "<anonymous>", "go")
                body = handler.child_by_field_name("body")
                if body is not None:
                    _go_calls(inline, body, cfg)
                facts.registrations.append(
                    Registration(
                        rel, _line(node), "net/http", "go", route, verb, "<anonymous>", inline=inline
                    )
                )
            else:
                target = _text(handler).rsplit(".", 1)[-1]
                target = re.sub(r"\(.*$", "", target, flags=re.S)
                facts.registrations.append(
                    Registration(rel, _line(node), "net/http", "go", route, verb, target)
                )
    return facts


# --- JavaScript / TypeScript ------------------------------------------------------------------

_JS_FUNCTIONS = {"arrow_function", "function_expression", "function"}


def _js_calls(defn: Definition, node: ts.Node, cfg: Config) -> None:
    for sub in treesitter.walk(node):
        if sub.type == "call_expression":
            _record(defn, cfg, _text(sub.child_by_field_name("function")) + "(", _line(sub))


def scan_javascript(rel: str, tree: ts.Tree, cfg: Config, language: str) -> FileFacts:
    facts = FileFacts()
    for node in treesitter.walk(tree.root_node):
        if node.type in ("function_declaration", "generator_function_declaration"):
            name = _text(node.child_by_field_name("name"))
            defn = Definition(rel, _line(node), name, name, language)
            _js_calls(defn, node, cfg)
            facts.definitions.append(defn)
        elif node.type == "variable_declarator":
            value = node.child_by_field_name("value")
            name_node = node.child_by_field_name("name")
            if value is not None and value.type in _JS_FUNCTIONS and name_node is not None:
                name = _text(name_node)
                defn = Definition(rel, _line(node), name, name, language)
                _js_calls(defn, value, cfg)
                facts.definitions.append(defn)
        elif node.type == "call_expression":
            func = node.child_by_field_name("function")
            if func is None or func.type != "member_expression":
                continue
            verb = _text(func.child_by_field_name("property"))
            if verb not in cfg.javascript_verbs:
                continue
            args = _args(node.child_by_field_name("arguments"))
            if len(args) < 2:
                continue
            route = _js_string(args[0])
            if route is None or not route.startswith("/"):
                continue
            method = "ANY" if verb == "all" else verb.upper()
            handler = args[-1]
            if handler.type in _JS_FUNCTIONS:
                inline = Definition(rel, _line(handler), "<anonymous>", "<anonymous>", language)
                _js_calls(inline, handler, cfg)
                facts.registrations.append(
                    Registration(
                        rel, _line(node), "express", language, route, method, "<anonymous>", inline=inline
                    )
                )
            elif handler.type in ("identifier", "member_expression"):
                target = _text(handler).rsplit(".", 1)[-1]
                facts.registrations.append(
                    Registration(rel, _line(node), "express", language, route, method, target)
                )
    return facts


def _js_string(node: ts.Node) -> str | None:
    if node.type == "string":
        return "".join(
            _text(c) for c in node.named_children if c.type in ("string_fragment", "escape_sequence")
        )
    if node.type == "template_string" and not any(
        c.type == "template_substitution" for c in node.named_children
    ):
        return "".join(_text(c) for c in node.named_children if c.type == "string_fragment")
    return None


# --- Elixir -----------------------------------------------------------------------------------


def _ex_call_name(node: ts.Node) -> str:
    target = node.child_by_field_name("target")
    return _text(target)


def _ex_args(node: ts.Node) -> list[ts.Node]:
    args = next((c for c in node.named_children if c.type == "arguments"), None)
    return _args(args)


def _ex_do_block(node: ts.Node) -> ts.Node | None:
    return next((c for c in node.named_children if c.type == "do_block"), None)


def _ex_calls(defn: Definition, node: ts.Node, cfg: Config) -> None:
    for sub in treesitter.walk(node):
        if sub.type == "call":
            target = sub.child_by_field_name("target")
            if target is not None and target.type == "dot":
                _record(defn, cfg, _text(target) + "(", _line(sub))


def scan_elixir(rel: str, tree: ts.Tree, cfg: Config) -> FileFacts:
    facts = FileFacts()

    def visit(node: ts.Node, module: str, scope: str, alias: str) -> None:
        for child in node.named_children:
            if child.type != "call":
                if child.type in ("do_block", "block"):
                    visit(child, module, scope, alias)
                continue
            name = _ex_call_name(child)
            args = _ex_args(child)
            block = _ex_do_block(child)
            if name == "defmodule" and args and block is not None:
                inner = _text(args[0])
                visit(
                    block, f"{module}.{inner}" if module and not inner.startswith(module) else inner, "", ""
                )
            elif name == "scope" and block is not None:
                path = next((_string_value(a) for a in args if a.type == "string"), None) or ""
                new_alias = next((_text(a) for a in args if a.type == "alias"), alias)
                visit(
                    block,
                    module,
                    posixpath.join(scope or "/", path.lstrip("/")) if path else scope,
                    new_alias,
                )
            elif name in ("def", "defp") and args:
                _ex_def(child, name, args[0], module)
            elif (
                name in cfg.elixir_verbs
                and len(args) >= 3
                and args[1].type == "alias"
                and args[2].type == "atom"
            ):
                route = _string_value(args[0])
                if route is not None:
                    full = posixpath.join(scope or "/", route.lstrip("/")) if scope else route
                    controller = _text(args[1])
                    if alias:
                        controller = f"{alias}.{controller}"
                    facts.registrations.append(
                        Registration(
                            rel,
                            _line(child),
                            "phoenix",
                            "elixir",
                            full,
                            name.upper(),
                            _text(args[2]).lstrip(":"),
                            controller,
                        )
                    )
            elif block is not None:
                visit(block, module, scope, alias)

    def _ex_def(node: ts.Node, kind: str, head: ts.Node, module: str) -> None:
        if head.type == "binary_operator":  # def f(x) when guard
            head = head.child_by_field_name("left") or head
        if head.type == "call":
            fname = _text(head.child_by_field_name("target"))
            params = tuple(_text(a) for a in _ex_args(head))
        else:
            fname, params = _text(head), ()
        defn = Definition(
            rel,
            _line(node),
            fname,
            f"{module}.{fname}" if module else fname,
            "elixir",
            module,
            public=kind == "def",
            params=params,
        )
        block = _ex_do_block(node)
        if block is not None:
            _ex_calls(defn, block, cfg)
        else:
            for arg in _ex_args(node)[1:]:
                _ex_calls(defn, arg, cfg)
        facts.definitions.append(defn)

    visit(tree.root_node, "", "", "")
    return facts


# ---------------------------------------------------------------------------------------------


def _language(rel: str) -> str | None:
    if rel.endswith(".py"):
        return "python"
    grammar = treesitter.grammar_for(rel)
    return grammar if grammar in ("rust", "go", "elixir", "javascript", "typescript", "tsx") else None


def visit(cfg: Config, rel: str, file: SourceFile) -> dict[str, Any]:
    """One file's facts as a plain record (:func:`to_record`)."""
    try:
        facts = _scan_file(cfg, rel, file)
    except RecursionError:
        facts = FileFacts(
            problems=[problem(rel, "expressions nested too deeply to analyse; skipped", code="too_deep")]
        )
    return to_record(facts)


def _scan_file(cfg: Config, rel: str, file: SourceFile) -> FileFacts:
    language = _language(rel)
    if language is None:
        return FileFacts()
    source, prob = file.text()
    if source is None:
        return FileFacts(problems=[prob] if prob else [])
    if language == "python":
        return scan_python(rel, file, source, cfg)
    tree = file.tree(language)
    if language == "rust":
        facts = scan_rust(rel, tree, cfg)
    elif language == "go":
        facts = scan_go(rel, tree, cfg)
    elif language in ("javascript", "typescript", "tsx"):
        facts = scan_javascript(rel, tree, cfg, "javascript" if language == "javascript" else "typescript")
    else:
        facts = scan_elixir(rel, tree, cfg)
    error_line = treesitter.first_error_line(tree)
    if error_line is not None:
        facts.problems.append(
            problem(
                rel,
                f"syntax error ({language}); what follows it may be incomplete",
                line=error_line,
                code="syntax",
            )
        )
    return facts


# ---------------------------------------------------------------------------------------------
# the per-file record: plain JSON (cached as is, read back without a tagged decode)
#
# {"definitions": [D, ...], "registrations": [R, ...], "unstructured": [...], "problems": [...]}
# D = [file, line, name, qualname, language, module, metric, log, trace, public, params, checked]
#     (metric, log, trace: lists of [call, line]; params: a list)
# R = [file, line, framework, language, route, method, target, module_hint, inline]
#     (inline: null, the index of one of the file's definitions, or a D)
# Lists, not objects: a record is read back on every warm run, for every Python file.


def _definition_record(d: Definition) -> list[Any]:
    return [
        d.file, d.line, d.name, d.qualname, d.language, d.module,
        [[c, n] for c, n in d.metric], [[c, n] for c, n in d.log], [[c, n] for c, n in d.trace],
        d.public, list(d.params), d.checked,
    ]


def _definition(r: list[Any]) -> Definition:
    file, line, name, qualname, language, module, metric, log, trace, public, params, checked = r
    return Definition(
        file, line, name, qualname, language, module,
        [(c, n) for c, n in metric], [(c, n) for c, n in log], [(c, n) for c, n in trace],
        public, tuple(params), checked,
    )


def to_record(facts: FileFacts) -> dict[str, Any]:
    """``facts`` as plain JSON data. A registration's inline handler that is also one of the
    file's definitions is stored as its index, so :func:`from_record` gives back one object."""
    index = {id(d): i for i, d in enumerate(facts.definitions)}
    registrations = []
    for reg in facts.registrations:
        inline: int | list[Any] | None = None
        if reg.inline is not None:
            found = index.get(id(reg.inline))
            inline = found if found is not None else _definition_record(reg.inline)
        registrations.append([
            reg.file, reg.line, reg.framework, reg.language, reg.route, reg.method, reg.target,
            reg.module_hint, inline,
        ])
    return {
        "definitions": [_definition_record(d) for d in facts.definitions],
        "registrations": registrations,
        "unstructured": facts.unstructured,
        "problems": facts.problems,
    }


def from_record(record: dict[str, Any]) -> FileFacts:
    """The facts :func:`to_record` recorded (a record of another shape raises KeyError,
    TypeError or ValueError: the run then goes again without the cache)."""
    definitions = [_definition(r) for r in record["definitions"]]
    registrations = []
    for file, line, framework, language, route, method, target, hint, inline in record["registrations"]:
        handler = (
            None if inline is None else definitions[inline] if type(inline) is int else _definition(inline)
        )
        registrations.append(
            Registration(file, line, framework, language, route, method, target, hint, handler)
        )
    return FileFacts(definitions, registrations, list(record["unstructured"]), list(record["problems"]))


def _resolve(reg: Registration, by_name: dict[tuple[str, str], list[Definition]]) -> Definition | None:
    if reg.inline is not None:
        return reg.inline
    candidates = by_name.get((reg.language, reg.target), [])
    if reg.framework == "phoenix":
        candidates = [
            d
            for d in candidates
            if d.public
            and (
                d.module == reg.module_hint
                or d.module.endswith("." + reg.module_hint)
                or reg.module_hint.endswith("." + d.module)
            )
        ]
    if not candidates:
        return None

    def rank(d: Definition) -> tuple[int, int, int, str, int]:
        same_file = d.file == reg.file
        in_hint = bool(reg.module_hint) and (
            d.module == reg.module_hint or d.module.endswith("." + reg.module_hint)
        )
        same_dir = posixpath.dirname(d.file) == posixpath.dirname(reg.file)
        return (0 if same_file else 1, 0 if in_hint else 1, 0 if same_dir else 1, d.file, d.line)

    return sorted(candidates, key=rank)[0]


def _calls(items: Iterable[tuple[str, int]]) -> list[dict[str, Any]]:
    return [{"call": c, "line": n} for c, n in sorted(set(items), key=lambda x: (x[1], x[0]))]


def _handler(defn: Definition | None, reg: Registration | None, internal: list[str]) -> dict[str, Any]:
    route = reg.route if reg is not None else None
    public = route is None or not any(fnmatchcase(route, g) for g in internal)
    site = defn if defn is not None else reg
    assert site is not None
    metric = defn.metric if defn else []
    log = defn.log if defn else []
    trace = defn.trace if defn else []
    return {
        "file": site.file,
        "line": site.line,
        "name": defn.qualname if defn else (reg.target if reg else ""),
        "language": site.language,
        "framework": reg.framework if reg else "phoenix",
        "route": route,
        "method": reg.method if reg else "ANY",
        "public": public,
        "registered_at": {"file": reg.file, "line": reg.line} if reg is not None else None,
        "resolved": defn is not None,
        "emits_metric": bool(metric),
        "emits_log": bool(log),
        "emits_trace": bool(trace),
        "metric_calls": _calls(metric),
        "log_calls": _calls(log),
        "trace_calls": _calls(trace),
    }


def _scan_failed(rel: str, prob: dict[str, Any]) -> dict[str, Any]:
    return to_record(FileFacts(problems=[prob]))


def _check_stubs(cfg: Config, wanted: Sequence[Definition], rel: str) -> dict[str, Any] | None:
    check_python_definitions(cfg, rel, wanted)
    return None


def _check_failed(rel: str, prob: dict[str, Any]) -> dict[str, Any] | None:
    return prob


def plan(ctx: ExtractContext) -> KindPlan:
    """This kind's part of the source pass (:mod:`sentinel.extractors.sourcepass`)."""
    cfg, internal = build_config(ctx)
    files = [f for f in ctx.files if _language(f) is not None]
    visitor = Visitor(KIND, CACHE_VERSION, partial(visit, cfg), _scan_failed)
    return KindPlan(ctx, visitor, files, partial(_document, ctx, cfg, internal))


def extract(ctx: ExtractContext) -> dict[str, Any]:
    return extract_one(plan(ctx))


def _document(
    ctx: ExtractContext, cfg: Config, internal: list[str], records: list[dict[str, Any]]
) -> dict[str, Any]:
    definitions: list[Definition] = []
    registrations: list[Registration] = []
    unstructured: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    for record in records:
        facts = from_record(record)
        definitions.extend(facts.definitions)
        registrations.extend(facts.registrations)
        unstructured.extend(facts.unstructured)
        problems.extend(facts.problems)

    by_name: dict[tuple[str, str], list[Definition]] = {}
    for d in definitions:
        by_name.setdefault((d.language, d.name), []).append(d)

    resolved = [(reg, _resolve(reg, by_name)) for reg in registrations]
    stubs: dict[str, dict[int, Definition]] = {}
    for _, defn in resolved:
        if defn is not None and not defn.checked:
            stubs.setdefault(defn.file, {})[id(defn)] = defn
    for rel, found in sorted(stubs.items()):
        check = PerFile(
            partial(_check_stubs, cfg, list(found.values())), str, _check_failed, ctx.file_timeout_ms
        )
        if (prob := check(rel)) is not None:
            problems.append(prob)

    handlers: list[dict[str, Any]] = []
    routed: set[tuple[str, int]] = set()
    for reg, defn in resolved:
        if defn is not None:
            routed.add((defn.file, defn.line))
        handlers.append(_handler(defn, reg, internal))
    # Phoenix controller actions nobody routes to are still handlers (route unknown).
    suffix = cfg.controller_suffix
    for d in definitions:
        if (
            d.language == "elixir"
            and d.public
            and d.module.endswith(suffix)
            and d.params
            and d.params[0].lstrip("_") == "conn"
            and (d.file, d.line) not in routed
        ):
            handlers.append(_handler(d, None, internal))

    handlers.sort(key=lambda h: (h["file"], h["line"], h["route"] or "", h["method"], h["name"]))
    unstructured.sort(key=lambda u: (u["file"], u["line"], u["call"], u["reason"]))
    return document(
        ctx,
        KIND,
        handlers=handlers,
        unstructured_logs=unstructured,
        totals={
            "handlers": len(handlers),
            "public": sum(1 for h in handlers if h["public"]),
            "without_metric": sum(1 for h in handlers if not h["emits_metric"]),
            "without_log": sum(1 for h in handlers if not h["emits_log"]),
            "without_trace": sum(1 for h in handlers if not h["emits_trace"]),
            "unstructured_logs": len(unstructured),
        },
        problems=problems,
    )
