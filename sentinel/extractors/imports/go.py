"""Go: import specs (single, blocks, aliases, ``_`` and ``.`` imports); module paths from ``go.mod``.

A file's module is its package import path: the ``module`` line of the nearest ``go.mod`` plus
the directory below it. Calls are named ``<package name>.<Func>`` (an alias resolves to the
package's own name, the last path element), so ``h.Get`` after ``import h "net/http"`` is
``http.Get``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import tree_sitter as ts

from sentinel.extractors.base import ExtractContext, read_source
from sentinel.extractors.imports.common import call_item, import_item, match_pattern
from sentinel.extractors.imports.tsquery import Scan, captures, line, matches, text

_QUERY = "(import_spec) @spec"
_CALLS = """
(call_expression function: (selector_expression operand: (identifier) @pkg field: (field_identifier) @fn))
"""
_MODULE_LINE = re.compile(r"^\s*module\s+\"?([^\s\"]+)\"?", re.MULTILINE)
_VERSION = re.compile(r"v\d+")


def modules(ctx: ExtractContext, files: Sequence[str]) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Directory prefix ("" or "a/b/") of every ``go.mod`` -> its module path."""
    out: dict[str, str] = {}
    problems: list[dict[str, Any]] = []
    for rel in files:
        if rel.rsplit("/", 1)[-1] != "go.mod":
            continue
        raw, prob = read_source(ctx, rel)
        if raw is None:
            problems.extend([prob] if prob else [])
            continue
        m = _MODULE_LINE.search(raw)
        if m:
            out[rel[: -len("go.mod")]] = m.group(1)
    return out, problems


def module_name(rel: str, go_mods: Mapping[str, str]) -> str:
    directory = rel.rsplit("/", 1)[0] if "/" in rel else ""
    best = None
    for prefix in go_mods:
        if (directory + "/").startswith(prefix) and (best is None or len(prefix) > len(best)):
            best = prefix
    if best is None:
        return directory or "."
    below = directory[len(best):].strip("/")
    return f"{go_mods[best]}/{below}" if below else go_mods[best]


def package_name(path: str) -> str:
    """The name a package is used by: its last path element (``v2`` style suffixes skipped)."""
    parts = [p for p in path.split("/") if p]
    if len(parts) > 1 and _VERSION.fullmatch(parts[-1]):
        return parts[-2]
    return parts[-1] if parts else path


def _binding(spec: ts.Node, path: str) -> tuple[str, str]:
    """(name the file uses, package name) for one import spec."""
    own = package_name(path)
    alias = spec.child_by_field_name("name")
    return (text(alias) if alias is not None and text(alias) not in ("_", ".") else own), own


def import_bindings(tree: ts.Tree) -> dict[str, str]:
    """Name used in the file -> package name, for every import of the file."""
    out: dict[str, str] = {}
    for spec in captures("go", _QUERY, tree.root_node).get("spec", []):
        path = text(spec.child_by_field_name("path")).strip("\"`")
        if path:
            local, own = _binding(spec, path)
            out[local] = own
    return out


def scan(tree: ts.Tree, rel: str, module: str | None, patterns: Sequence[str]) -> Scan:
    found = captures("go", _QUERY, tree.root_node)
    out = Scan(module=module)
    bindings: dict[str, str] = {}
    for spec in found.get("spec", []):
        path = text(spec.child_by_field_name("path")).strip("\"`")
        if not path:
            continue
        alias = spec.child_by_field_name("name")
        names = [text(alias)] if alias is not None else []
        out.imports.append(import_item(rel, line(spec), path, names, "import"))
        local, own = _binding(spec, path)
        bindings[local] = own
    for match in matches("go", _CALLS, tree.root_node) if patterns else []:
        pkg, fn = match["pkg"], match["fn"]
        local = text(pkg)
        if local not in bindings:
            continue
        name = f"{bindings[local]}.{text(fn)}"
        pattern = match_pattern(name, patterns)
        if pattern is not None:
            out.calls.append(call_item(rel, line(pkg), name, pattern))
    return out


def classify(target: str, go_module_paths: frozenset[str]) -> str:
    if any(target == m or target.startswith(m + "/") for m in go_module_paths):
        return "first_party"
    first = target.split("/", 1)[0]
    return "third_party" if "." in first else "stdlib"
