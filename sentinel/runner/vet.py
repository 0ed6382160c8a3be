"""Checks on the policies' syntax trees before anything is evaluated.

regorus compiles what OPA would reject and then fails badly at evaluation: a recursive function
overflows its stack (the process dies with SIGSEGV), ``http.send`` evaluates to undefined without
a request, and a ``deny`` rule of a shape conftest ignores passes silently. OPA's compiler rejects
the first (``rego_recursion_error``); we do the same from regorus's AST (``get_ast_as_json``):

- **recursion**: a dependency graph of every rule and function, keyed by its data path, with an
  edge for every reference and call. A reference with a dynamic part (``data.lib[x]``) depends on
  every rule under its static prefix, as in OPA. A bare name is a reference to a rule of the same
  package unless the rule declares a local of that name (``:=``, ``some``, ``every``, arguments);
  locals are taken per rule, not per scope, so a name both shadowed and referenced in one rule
  can hide an edge. The evaluation worker turns the crash such a cycle would cause into an error.
- **network builtins**: a call to ``http.send``, ``net.lookup_ip_addr`` or ``opa.runtime``.
- **rule shapes**: ``deny``/``violation``/``warn`` (with ``_suffix``) must be partial sets
  (``deny contains msg if ...``) or complete rules whose value is a collection; a boolean
  (``deny if ...``), a reference head (``deny[x] := ...``, ``deny.x contains``), a function, a scalar
  value, or a scalar set member (``deny contains 1``) is an error naming file and line.
"""

from __future__ import annotations

import graphlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sentinel.errors import PolicyError

CONFTEST_RULE = re.compile(r"^(deny|violation|warn)(_[a-zA-Z0-9]+)*$")
NETWORK_BUILTINS = frozenset({"http.send", "net.lookup_ip_addr", "opa.runtime"})
_SCALARS = ("Bool", "Number", "String", "RawString", "Null")
_NOT_COLLECTIONS = (*_SCALARS, "Object", "ObjectCompr")
_NOT_MESSAGES = ("Bool", "Number", "Null", "Array", "ArrayCompr", "Set", "SetCompr")
_ROOTS = frozenset({"input", "future", "rego"})

Path = tuple[str, ...]


@dataclass
class _Rule:
    """One rule or function definition: its data path, where it is, and what it refers to."""

    path: Path
    file: str
    line: int
    refs: list[Path] = field(default_factory=list)


@dataclass
class _Module:
    package: Path
    file: str
    text: str
    aliases: dict[str, Path]


def vet_modules(modules: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[str, int]]:
    """Check regorus's AST (``json.loads(engine.get_ast_as_json())``); PolicyError on the first problem.

    Returns where each rule is first defined: (namespace, rule name) -> (file, line).
    """
    parsed = [(_module(m), m["ast"].get("rules", [])) for m in modules]
    names: dict[Path, set[str]] = {}
    for module, rules in parsed:
        names.setdefault(module.package, set()).update(n for r in rules if (n := _head_name(r)))
    locations: dict[tuple[str, str], tuple[str, int]] = {}
    definitions: list[_Rule] = []
    for module, rules in parsed:
        for rule in rules:
            name = _head_name(rule)
            if name is None:
                continue
            line = _line(rule)
            locations.setdefault((".".join(module.package), name), (module.file, line))
            if CONFTEST_RULE.match(name):
                _check_shape(rule, name, module.file, line)
            definition = _Rule((*module.package, name), module.file, line)
            try:
                _collect(rule, module, names.get(module.package, set()), definition)
            except RecursionError:
                raise PolicyError("rule nests too deeply to check", file=module.file, line=line) from None
            definitions.append(definition)
    _check_cycles(definitions)
    return locations


def _module(raw: dict[str, Any]) -> _Module:
    ast = raw["ast"]
    text = raw["source"]["contents"]
    aliases: dict[str, Path] = {}
    for imp in ast.get("imports", []):
        path = _static_path(imp["refr"])[0]
        if len(path) < 2 or path[0] != "data":
            continue
        alias = imp.get("as")
        aliases[_span_text(text, alias) if alias else path[-1]] = path[1:]
    package = _static_path(ast["package"]["refr"])[0]
    return _Module(package=package, file=raw["source"]["file"], text=text, aliases=aliases)


def _line(rule: dict[str, Any]) -> int:
    node = rule.get("Spec") or rule.get("Default") or {}
    return int(node.get("span", {}).get("line", 0)) or 1


def _head_name(rule: dict[str, Any]) -> str | None:
    if "Default" in rule:
        path = _static_path(rule["Default"]["refr"])[0]
        return path[0] if path else None
    head = rule.get("Spec", {}).get("head", {})
    for kind in ("Set", "Compr", "Func"):
        if kind in head:
            path = _static_path(head[kind]["refr"])[0]
            return path[0] if path else None
    return None


def _span_text(text: str, span: dict[str, Any]) -> str:
    return text[span["start"] : span["end"]]


def _static_path(node: dict[str, Any]) -> tuple[Path, list[dict[str, Any]]]:
    """A reference's static path (up to its first dynamic part) and its dynamic index expressions."""
    if "Var" in node:
        return (node["Var"]["value"],), []
    if "RefDot" in node:
        inner = node["RefDot"]
        path, dynamic = _static_path(inner["refr"])
        if dynamic:
            return path, dynamic
        return (*path, inner["field"][1]), []
    if "RefBrack" in node:
        inner = node["RefBrack"]
        path, dynamic = _static_path(inner["refr"])
        index = inner.get("index") or {}
        key = index.get("String", {}).get("value") if isinstance(index, dict) else None
        if dynamic or not isinstance(key, str):
            return path, [*dynamic, index]
        return (*path, key), []
    return (), [node]


def _check_shape(rule: dict[str, Any], name: str, file: str, line: int) -> None:
    problem = _shape_problem(rule, name)
    if problem:
        raise PolicyError(
            f"{problem}, which conftest ignores; write `{name} contains msg if {{ ... }}` "
            "with msg a string or an object with a string msg",
            file=file,
            line=line,
        )


def _shape_problem(rule: dict[str, Any], name: str) -> str | None:
    if "Default" in rule:
        value = rule["Default"].get("value") or {}
        return f"default {name} is not a collection" if any(k in value for k in _NOT_COLLECTIONS) else None
    head = rule["Spec"]["head"]
    if "Func" in head:
        return f"{name} is a function"
    kind = "Set" if "Set" in head else "Compr"
    if "Var" not in head[kind]["refr"]:
        if kind == "Compr" and head["Compr"].get("assign") is None:
            # conftest's own check (OPA issue 6509), in its words.
            return "rule is using 'if' keyword without 'contains' keyword"
        return f"{name} has a reference head ({name}[...] or {name}.x), so its value is an object"
    if kind == "Set":
        key = head["Set"].get("key") or {}
        found = next((k for k in _NOT_MESSAGES if k in key), None)
        return f"{name} contains a {found.lower()}" if found else None
    assign = head["Compr"].get("assign")
    if assign is None:
        return f"{name} is a boolean rule (`{name} if ...`)"
    if any(k in assign.get("value", {}) for k in _NOT_COLLECTIONS):
        return f"{name} is a single value, not a set of messages"
    return None


@dataclass
class _Scan:
    """One pass over a rule: the references and calls in it, and the locals it declares."""

    refs: list[Path] = field(default_factory=list)
    calls: list[tuple[Path, int | None]] = field(default_factory=list)
    declared: set[str] = field(default_factory=set)


def _collect(rule: dict[str, Any], module: _Module, package_rules: set[str], out: _Rule) -> None:
    """Fill ``out.refs`` with the data paths the rule refers to or calls."""
    if "Default" in rule:
        return
    spec = rule["Spec"]
    head = spec["head"]
    scan = _Scan()
    roots: list[Any] = [spec.get("bodies", [])]
    if "Func" in head:
        for arg in head["Func"].get("args", []):
            scan.declared.update(_vars(arg))
        roots.append(head["Func"].get("assign"))
    elif "Set" in head:
        roots.append(head["Set"].get("key"))
    else:
        roots.append(head["Compr"].get("assign"))
    _scan(roots, module.text, scan)
    for path in scan.refs:
        target = _resolve(path, module, package_rules, scan.declared)
        if target is not None:
            out.refs.append(target)
    for path, line in scan.calls:
        target = _resolve(path, module, package_rules, scan.declared)
        if target is None and ".".join(path) in NETWORK_BUILTINS:
            raise PolicyError(
                f"{'.'.join(path)} is not available: policies are evaluated offline, without network "
                "access (the engine would return undefined); pass what the policy needs as --data",
                file=module.file,
                line=line or out.line,
            )
        if target is not None:
            out.refs.append(target)


def _vars(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "Var" in node and isinstance(node["Var"], dict):
            yield node["Var"]["value"]
            return
        for key, value in node.items():
            if key != "span":
                yield from _vars(value)
    elif isinstance(node, list):
        for value in node:
            yield from _vars(value)


def _scan(node: Any, text: str, out: _Scan) -> None:
    """Collect references, calls and declared locals (``x :=``, ``some``, ``every``) under ``node``."""
    if isinstance(node, list):
        for value in node:
            _scan(value, text, out)
        return
    if not isinstance(node, dict):
        return
    if "Call" in node:
        call = node["Call"]
        path, dynamic = _static_path(call["fcn"])
        if not dynamic:
            out.calls.append((path, call.get("span", {}).get("line")))
        _scan(dynamic, text, out)
        _scan(call.get("params", []), text, out)
        return
    if "Var" in node or "RefDot" in node or "RefBrack" in node:
        path, dynamic = _static_path(node)
        out.refs.append(path)
        _scan(dynamic, text, out)
        return
    if "AssignExpr" in node and node["AssignExpr"].get("op") == "ColEq":
        out.declared.update(_vars(node["AssignExpr"].get("lhs")))
    elif "SomeVars" in node:
        out.declared.update(_span_text(text, s) for s in node["SomeVars"].get("vars", []))
    elif "SomeIn" in node:
        out.declared.update(_vars(node["SomeIn"].get("key")))
        out.declared.update(_vars(node["SomeIn"].get("value")))
    elif "Every" in node:
        for part in ("key", "value"):
            span = node["Every"].get(part)
            if isinstance(span, dict) and "start" in span:
                out.declared.add(_span_text(text, span))
    for key, value in node.items():
        if key != "span" and isinstance(value, (dict, list)):
            _scan(value, text, out)


def _resolve(path: Path, module: _Module, package_rules: set[str], locals_: set[str]) -> Path | None:
    """The data path a reference names (without ``data``), or None for input, locals and builtins."""
    if not path or path[0] in _ROOTS:
        return None
    if path[0] == "data":
        return path[1:]
    if path[0] in locals_:
        return None
    if path[0] in module.aliases:
        return (*module.aliases[path[0]], *path[1:])
    if path[0] in package_rules:
        return (*module.package, *path)
    return None


def _check_cycles(definitions: list[_Rule]) -> None:
    by_path: dict[Path, _Rule] = {}
    under: dict[Path, set[Path]] = {}
    for rule in definitions:
        by_path.setdefault(rule.path, rule)
        for i in range(len(rule.path) + 1):
            under.setdefault(rule.path[:i], set()).add(rule.path)
    graph: dict[Path, set[Path]] = {path: set() for path in by_path}
    for rule in definitions:
        edges = graph[rule.path]
        for ref in rule.refs:
            edges.update(ref[:i] for i in range(1, len(ref) + 1) if ref[:i] in by_path)
            edges.update(under.get(ref, ()))
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        cycle: list[Path] = list(reversed(exc.args[1]))
        first = by_path[cycle[0]]
        chain = " -> ".join("data." + ".".join(p) for p in cycle)
        raise PolicyError(
            f"recursion is not allowed in Rego (OPA rejects it; regorus would crash): {chain}",
            file=first.file,
            line=first.line,
        ) from None
