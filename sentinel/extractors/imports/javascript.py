"""JavaScript and TypeScript: ``import ... from``, ``export ... from``, ``require("x")`` and
dynamic ``import("x")`` with string-literal specifiers.

Relative specifiers (``./x``, ``../x``) resolve to repo-relative paths without an extension
(``src/lib/util``); bare specifiers stay as written. A file's module is its path without the
extension.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Sequence
from typing import Any

import tree_sitter as ts

from sentinel.extractors.base import ExtractContext, deepest_line, problem, read_source
from sentinel.extractors.imports.common import call_item, import_item, match_pattern
from sentinel.extractors.imports.tsquery import Scan, captures, compact, line, matches, text

# Node's built-in modules (``module.builtinModules`` of Node 22, top-level names).
NODE_BUILTINS = frozenset({
    "assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants", "crypto",
    "dgram", "diagnostics_channel", "dns", "domain", "events", "fs", "http", "http2", "https",
    "inspector", "module", "net", "os", "path", "perf_hooks", "process", "punycode", "querystring",
    "readline", "repl", "sea", "sqlite", "stream", "string_decoder", "sys", "test", "timers", "tls",
    "trace_events", "tty", "url", "util", "v8", "vm", "wasi", "worker_threads", "zlib",
})
_QUERY = """
(import_statement source: (string) @source) @import
(export_statement source: (string) @source) @export
"""
_CALLS = "(call_expression function: (_) @callee arguments: (arguments) @args)"
# Only the calls that load modules, for files where no HTTP pattern can match.
_LOADS = """
((call_expression function: (identifier) @callee arguments: (arguments) @args) (#eq? @callee "require"))
(call_expression function: (import) @callee arguments: (arguments) @args)
"""
_PLAIN_CALLEE = re.compile(r"[\w$]+(?:\.[\w$]+)*")


def packages(ctx: ExtractContext, files: Sequence[str]) -> tuple[frozenset[str], list[dict[str, Any]]]:
    """The ``name`` of every ``package.json`` in the repository (workspace packages are first party)."""
    names: set[str] = set()
    problems: list[dict[str, Any]] = []
    for rel in files:
        if rel.rsplit("/", 1)[-1] != "package.json":
            continue
        raw, prob = read_source(ctx, rel)
        if raw is None:
            problems.extend([prob] if prob else [])
            continue
        try:
            manifest = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(problem(rel, f"invalid package.json: {exc.msg}", line=exc.lineno, code="syntax"))
            continue
        except RecursionError:
            problems.append(problem(rel, "package.json is nested too deeply to read", line=deepest_line(raw),
                                    code="too_deep"))
            continue
        if isinstance(manifest, dict) and isinstance(manifest.get("name"), str):
            names.add(manifest["name"])
    return frozenset(names), problems


def module_name(rel: str) -> str:
    return rel.rsplit(".", 1)[0]


def _specifier(node: ts.Node) -> str:
    raw = text(node)
    return raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'`" else raw


def _is_relative(spec: str) -> bool:
    return spec.startswith(("./", "../", "/")) or spec in (".", "..")


def _kind(spec: str) -> str | None:
    """Relative specifiers are first party; bare ones are classified once the repository is known."""
    return "first_party" if _is_relative(spec) else None


def resolve(rel: str, spec: str) -> str:
    if _is_relative(spec) and not spec.startswith("/"):
        return posixpath.normpath(posixpath.join(posixpath.dirname(rel), spec))
    return spec


def _import_names(statement: ts.Node, target: str, bindings: dict[str, str]) -> list[str]:
    names: list[str] = []
    for clause in statement.named_children:
        if clause.type != "import_clause":
            continue
        for part in clause.named_children:
            if part.type == "identifier":
                names.append("default")
                bindings[text(part)] = target
            elif part.type == "namespace_import":
                names.append("*")
                for ident in part.named_children:
                    bindings[text(ident)] = target
            elif part.type == "named_imports":
                for spec in part.named_children:
                    if spec.type != "import_specifier":
                        continue
                    name = text(spec.child_by_field_name("name"))
                    alias = spec.child_by_field_name("alias")
                    names.append(name)
                    bindings[text(alias) if alias is not None else name] = f"{target}.{name}"
    return names


def _export_names(statement: ts.Node) -> list[str]:
    names: list[str] = []
    for part in statement.named_children:
        if part.type == "export_clause":
            names.extend(text(s.child_by_field_name("name")) for s in part.named_children
                         if s.type == "export_specifier")
        elif part.type == "namespace_export":
            names.append("*")
    if not names and any(c.type == "*" for c in statement.children):
        names.append("*")
    return names


def scan(tree: ts.Tree, rel: str, module: str | None, patterns: Sequence[str], grammar: str) -> Scan:
    found = captures(grammar, _QUERY, tree.root_node)
    out = Scan(module=module)
    bindings: dict[str, str] = {}
    for node in found.get("import", []):
        source = node.child_by_field_name("source")
        spec = _specifier(source) if source is not None else ""
        target = resolve(rel, spec)
        if target:
            names = _import_names(node, target, bindings)
            out.imports.append(import_item(rel, line(node), target, names, "import", kind=_kind(spec)))
    for node in found.get("export", []):
        source = node.child_by_field_name("source")
        spec = _specifier(source) if source is not None else ""
        target = resolve(rel, spec)
        if target:
            out.imports.append(import_item(rel, line(node), target, _export_names(node), "export",
                                           kind=_kind(spec)))
    pending: list[tuple[ts.Node, str]] = []
    for match in matches(grammar, _CALLS if patterns else _LOADS, tree.root_node):
        callee, arguments = match["callee"], match["args"]
        first = arguments.named_children[0] if arguments.named_child_count else None
        is_import = callee.type == "import"
        is_require = callee.type == "identifier" and text(callee) == "require"
        if (is_import or is_require) and first is not None and first.type == "string":
            spec = _specifier(first)
            target = resolve(rel, spec)
            out.imports.append(import_item(rel, line(callee), target, [],
                                           "dynamic_import" if is_import else "require", kind=_kind(spec)))
            declarator = callee.parent.parent if callee.parent is not None else None
            if is_require and declarator is not None and declarator.type == "variable_declarator":
                bound = declarator.child_by_field_name("name")
                if bound is not None and bound.type == "identifier":
                    bindings[text(bound)] = target
            continue
        callee_text = compact(callee)
        if _PLAIN_CALLEE.fullmatch(callee_text):
            pending.append((callee, callee_text))
    for callee, callee_text in pending:
        head, sep, rest = callee_text.partition(".")
        name = bindings.get(head, head) + sep + rest
        pattern = match_pattern(name, patterns)
        if pattern is not None:
            out.calls.append(call_item(rel, line(callee), name, pattern))
    return out


def package_of(specifier: str) -> str:
    parts = specifier.split("/")
    return "/".join(parts[:2]) if specifier.startswith("@") else parts[0]


def classify(target: str, package_names: frozenset[str]) -> str:
    if target.startswith("node:") or package_of(target) in NODE_BUILTINS:
        return "stdlib"
    if package_of(target) in package_names:
        return "first_party"
    return "third_party"
