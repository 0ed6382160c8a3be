"""Rust: ``use`` declarations (grouped ones expanded to one record per leaf), ``mod x;`` and
``extern crate``; module paths from the crate layout (``<crate>/src/a/b.rs`` is ``<crate>::a::b``).

``crate::``, ``self::`` and ``super::`` paths resolve to absolute ``<crate>::...`` paths when the
file's module is known (it lives under a crate's ``src/``). Once every file is scanned,
:func:`localize` resolves a path whose first name is a module of the crate rather than a
dependency (``use handlers::health`` in ``main.rs`` next to ``mod handlers;``), and a
first-party import's module is the deepest module its path names (``app::db`` for
``app::db::Pool``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import tree_sitter as ts

from sentinel.extractors.base import ExtractContext, deepest_line, problem, read_source
from sentinel.extractors.imports.common import call_item, import_item, match_pattern
from sentinel.extractors.imports.tsquery import Scan, captures, compact, line, text

STD_CRATES = frozenset({"std", "core", "alloc", "proc_macro", "test"})
_LOCAL = frozenset({"crate", "self", "super"})
_QUERY = """
(use_declaration argument: (_) @use)
(mod_item) @mod
(extern_crate_declaration) @extern
"""
_CALLS = "(call_expression function: (_) @call)"
_SKIP = frozenset({"line_comment", "block_comment"})


def crates(ctx: ExtractContext, files: Sequence[str]) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Crate directory prefix ("" or "a/b/") -> crate name, from every ``Cargo.toml`` with a package."""
    out: dict[str, str] = {}
    problems: list[dict[str, Any]] = []
    for rel in files:
        if rel.rsplit("/", 1)[-1] != "Cargo.toml":
            continue
        raw, prob = read_source(ctx, rel)
        if raw is None:
            problems.extend([prob] if prob else [])
            continue
        try:
            manifest = tomllib.loads(raw)
        except tomllib.TOMLDecodeError as exc:
            problems.append(problem(rel, f"invalid Cargo.toml: {exc}", line=getattr(exc, "lineno", None),
                                    code="syntax"))
            continue
        except RecursionError:
            problems.append(problem(rel, "Cargo.toml is nested too deeply to read", line=deepest_line(raw),
                                    code="too_deep"))
            continue
        lib = manifest.get("lib")
        package = manifest.get("package")
        name = (lib.get("name") if isinstance(lib, dict) else None) or (
            package.get("name") if isinstance(package, dict) else None)
        if isinstance(name, str):
            out[rel[: -len("Cargo.toml")]] = name.replace("-", "_")
    return out, problems


def module_name(rel: str, crate_dirs: Mapping[str, str]) -> str | None:
    """``<crate>::a::b`` for ``<crate dir>/src/a/b.rs`` (``lib.rs``/``main.rs``/``mod.rs`` name their dir)."""
    best = None
    for prefix in crate_dirs:
        if rel.startswith(prefix + "src/") and (best is None or len(prefix) > len(best)):
            best = prefix
    if best is None:
        return None
    parts = rel[len(best) + 4: -3].split("/")
    if parts[0] == "bin":
        return None
    if parts[-1] == "mod" or (len(parts) == 1 and parts[0] in ("lib", "main")):
        parts = parts[:-1]
    if not all(p.isidentifier() for p in parts):
        return None
    return "::".join([crate_dirs[best], *parts])


def resolve(path: str, module: str | None) -> str:
    """An absolute path for ``crate::``/``self::``/``super::`` paths when the module is known."""
    if path.startswith("::"):
        return path[2:]
    segments = path.split("::")
    if module is None or segments[0] not in _LOCAL:
        return path
    current = module.split("::")
    if segments[0] == "crate":
        return "::".join([current[0], *segments[1:]])
    if segments[0] == "self":
        return "::".join([*current, *segments[1:]])
    while segments and segments[0] == "super":
        if len(current) > 1:
            current = current[:-1]
        segments = segments[1:]
    return "::".join([*current, *segments])


def _join(prefix: str, path: str) -> str:
    return f"{prefix}::{path}" if prefix and path else prefix or path


def use_leaves(node: ts.Node, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(path, bound name) for every leaf of a use tree; ``*`` for globs."""
    kind = node.type
    if kind in _SKIP:
        return
    if kind == "use_as_clause":
        alias = text(node.child_by_field_name("alias"))
        yield _join(prefix, compact(node.child_by_field_name("path"))), alias
    elif kind == "use_wildcard":
        inner = [c for c in node.named_children if c.type not in _SKIP]
        yield _join(prefix, compact(inner[0]) if inner else ""), "*"
    elif kind == "scoped_use_list":
        nested = _join(prefix, compact(node.child_by_field_name("path")))
        items = node.child_by_field_name("list")
        for child in items.named_children if items is not None else []:
            yield from use_leaves(child, nested)
    elif kind == "use_list":
        for child in node.named_children:
            yield from use_leaves(child, prefix)
    elif kind == "self" and prefix:
        yield prefix, prefix.rsplit("::", 1)[-1]
    else:
        full = _join(prefix, compact(node))
        yield full, full.rsplit("::", 1)[-1]


def use_bindings(tree: ts.Tree, module: str | None = None) -> dict[str, str]:
    """Local name -> path for every name a ``use`` declaration of the file binds."""
    out: dict[str, str] = {}
    for node in captures("rust", "(use_declaration argument: (_) @use)", tree.root_node).get("use", []):
        for path, bound in use_leaves(node):
            if bound not in ("*", "_", "self"):
                out[bound] = resolve(path, module)
    return out


def resolve_call(name: str, bindings: Mapping[str, str]) -> str:
    head, sep, rest = name.partition("::")
    if head in bindings:
        return bindings[head] + sep + rest
    return name


def scan(tree: ts.Tree, rel: str, module: str | None, patterns: Sequence[str]) -> Scan:
    found = captures("rust", _QUERY, tree.root_node)
    out = Scan(module=module)
    bindings: dict[str, str] = {}
    for node in found.get("use", []):
        for path, bound in use_leaves(node):
            target = resolve(path, module)
            out.imports.append(import_item(rel, line(node), target, [bound], "use"))
            if bound not in ("*", "_", "self"):
                bindings[bound] = target
    for node in found.get("mod", []):
        if node.child_by_field_name("body") is None:
            name = text(node.child_by_field_name("name"))
            out.imports.append(import_item(rel, line(node), resolve(f"self::{name}", module), [name], "mod"))
    for node in found.get("extern", []):
        name = text(node.child_by_field_name("name"))
        alias = node.child_by_field_name("alias")
        bound = text(alias) if alias is not None else name
        out.imports.append(import_item(rel, line(node), name, [bound], "extern_crate"))
        bindings[bound] = name
    calls = captures("rust", _CALLS, tree.root_node).get("call", []) if patterns else []
    for node in calls:
        if node.type not in ("identifier", "scoped_identifier", "generic_function"):
            continue
        name = resolve_call(compact(node), bindings)
        pattern = match_pattern(name, patterns)
        if pattern is not None:
            out.calls.append(call_item(rel, line(node), name, pattern))
    return out


def classify(target: str, crate_names: frozenset[str]) -> str:
    first = target.split("::", 1)[0]
    if first in STD_CRATES:
        return "stdlib"
    if first in _LOCAL or first in crate_names:
        return "first_party"
    return "third_party"


def known_modules(entries: Iterable[Mapping[str, Any]]) -> set[str]:
    """Every module of the scanned crates: each file's, each ``mod x;`` it declares, their parents."""
    out: set[str] = set()
    for entry in entries:
        names = [entry["module"]] if isinstance(entry["module"], str) else []
        names.extend(i["target"] for i in entry["imports"] if i["syntax"] == "mod")
        for name in names:
            parts = name.split("::")
            out.update("::".join(parts[:n]) for n in range(1, len(parts) + 1))
    return out


def localize(target: str, module: str | None, known: set[str], crate_names: frozenset[str]) -> str:
    """``target`` with a leading module of the crate made absolute.

    A path's first name is a dependency, or a module in scope: a child of the file's module
    (Rust 2018's uniform paths) or, failing that, a top-level module of the crate (the crate
    root's children, and every path of a Rust 2015 crate).
    """
    first = target.split("::", 1)[0]
    if module is None or first in STD_CRATES or first in crate_names or first in _LOCAL:
        return target
    for scope in (module, module.split("::", 1)[0]):
        if f"{scope}::{first}" in known:
            return f"{scope}::{target}"
    return target


def module_of(target: str, known: set[str]) -> str:
    """The deepest known module that ``target`` is or lies inside (``target`` when none is)."""
    parts = target.split("::")
    for n in range(len(parts), 0, -1):
        name = "::".join(parts[:n])
        if name in known:
            return name
    return target
