"""Elixir: ``alias`` (with ``as:`` and multi-alias ``Foo.{Bar, Baz}``), ``import``, ``use``,
``require``; the modules a file defines with ``defmodule`` (nested names joined).

Targets expand earlier aliases of the file, as Elixir does (``alias MyApp.Accounts`` then
``alias Accounts.User`` is ``MyApp.Accounts.User``). Erlang modules keep their atom form
(``:crypto``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import tree_sitter as ts

from sentinel.extractors.imports.common import call_item, import_item, match_pattern
from sentinel.extractors.imports.tsquery import Scan, compact, line, matches, text

DIRECTIVES = frozenset({"alias", "import", "use", "require"})
# Top-level modules shipped with Elixir (elixir, eex, ex_unit, iex, logger, mix applications).
ELIXIR_STDLIB = frozenset({
    "Access", "Agent", "Application", "Atom", "Base", "Behaviour", "Bitwise", "Calendar", "Code",
    "Collectable", "Config", "Date", "DateTime", "Dict", "Duration", "DynamicSupervisor", "EEx", "Elixir",
    "Enum", "Enumerable", "Exception", "ExUnit", "File", "Float", "Function", "GenEvent", "GenServer",
    "HashDict", "HashSet", "IEx", "IO", "Inspect", "Integer", "JSON", "Kernel", "Keyword", "List",
    "Logger", "Macro", "Map", "MapSet", "Mix", "Module", "NaiveDateTime", "Node", "OptionParser",
    "PartitionSupervisor", "Path", "Port", "Process", "Protocol", "Range", "Record", "Regex", "Registry",
    "Set", "Stream", "String", "StringIO", "Supervisor", "System", "Task", "Time", "Tuple", "URI", "Version",
})
# Erlang/OTP modules commonly called from Elixir (kernel, stdlib, crypto, inets, ssl, ...).
ERLANG_STDLIB = frozenset({
    "application", "atomics", "base64", "binary", "calendar", "code", "counters", "crypto", "dets", "dict",
    "digraph", "erl_eval", "erlang", "ets", "file", "filename", "gb_sets", "gb_trees", "gen_event",
    "gen_server", "gen_statem", "gen_tcp", "gen_udp", "global", "httpc", "inet", "inets", "io", "json",
    "lists", "logger", "maps", "math", "mnesia", "net_kernel", "orddict", "ordsets", "os", "persistent_term",
    "pg", "proc_lib", "proplists", "public_key", "queue", "rand", "re", "sets", "ssl", "string",
    "supervisor", "sys", "timer", "unicode", "uri_string", "zlib",
})
_DIRECTIVE_QUERY = "(call target: (identifier) @name (arguments) @args) @call"
_REMOTE_QUERY = "(call target: (dot left: [(alias) (atom)] @left right: (identifier) @right)) @call"


def enclosing_modules(node: ts.Node) -> list[str]:
    """Names of the ``defmodule`` blocks around ``node``, outermost first."""
    names: list[str] = []
    parent = node.parent
    while parent is not None:
        if parent.type == "call":
            target = parent.child_by_field_name("target")
            if target is not None and text(target) == "defmodule":
                args = next((c for c in parent.named_children if c.type == "arguments"), None)
                if args is not None and args.named_child_count:
                    names.append(compact(args.named_children[0]))
        parent = parent.parent
    return list(reversed(names))


def _expand(name: str, bindings: Mapping[str, str], current: str | None) -> str:
    if current and name.startswith("__MODULE__"):
        name = current + name[len("__MODULE__"):]
    head, sep, rest = name.partition(".")
    return bindings[head] + sep + rest if head in bindings else name


def _keywords(args: ts.Node) -> dict[str, ts.Node]:
    out: dict[str, ts.Node] = {}
    for child in args.named_children:
        if child.type == "keywords":
            for pair in child.named_children:
                key = pair.child_by_field_name("key")
                value = pair.child_by_field_name("value")
                if key is not None and value is not None:
                    out[text(key).rstrip(": ").strip()] = value
    return out


def scan(tree: ts.Tree, rel: str, module: str | None, patterns: Sequence[str]) -> Scan:
    out = Scan()
    bindings: dict[str, str] = {}
    found = matches("elixir", _DIRECTIVE_QUERY, tree.root_node)
    directives = sorted(found, key=lambda m: m["call"].start_byte)
    for match in directives:
        name = text(match["name"])
        if name == "defmodule":
            args = match["args"]
            if args.named_child_count:
                full = ".".join([*enclosing_modules(match["call"]), compact(args.named_children[0])])
                out.defines.append(full)
                if out.module is None:
                    out.module = full
            continue
        if name not in DIRECTIVES or not match["args"].named_child_count:
            continue
        args = match["args"]
        first = args.named_children[0]
        enclosing = enclosing_modules(match["call"])
        current = ".".join(enclosing) if enclosing else None
        keywords = _keywords(args)
        targets: list[str] = []
        if first.type in ("alias", "atom"):
            targets.append(_expand(compact(first), bindings, current))
        elif first.type == "dot":
            left, right = first.child_by_field_name("left"), first.child_by_field_name("right")
            if left is not None and right is not None and right.type == "tuple":
                base = _expand(compact(left), bindings, current)
                targets.extend(f"{base}.{compact(item)}" for item in right.named_children
                               if item.type == "alias")
            else:
                targets.append(_expand(compact(first), bindings, current))
        for target in targets:
            names: list[str] = []
            if name == "alias":
                as_node = keywords.get("as")
                single = as_node is not None and len(targets) == 1
                bound = compact(as_node) if single else target.rsplit(".", 1)[-1]
                names = [bound]
                bindings[bound] = target
            elif name == "import" and "only" in keywords:
                names = [text(k).rstrip(": ").strip() for k in _only_keys(keywords["only"])]
            out.imports.append(import_item(rel, line(match["call"]), target, names, name))
    for match in matches("elixir", _REMOTE_QUERY, tree.root_node) if patterns else []:
        module = compact(match["left"])
        if not module.startswith(":"):
            module = _expand(module, bindings, None)
        callee = f"{module}.{text(match['right'])}"
        pattern = match_pattern(callee, patterns)
        if pattern is not None:
            out.calls.append(call_item(rel, line(match["call"]), callee, pattern))
    return out


def _only_keys(node: ts.Node) -> list[ts.Node]:
    keys: list[ts.Node] = []
    for child in node.named_children:
        if child.type == "keywords":
            keys.extend(k for pair in child.named_children
                        if (k := pair.child_by_field_name("key")) is not None)
    return keys


def classify(target: str, defined: frozenset[str]) -> str:
    if target.startswith(":"):
        return "stdlib" if target[1:] in ERLANG_STDLIB else "third_party"
    first = target.split(".", 1)[0]
    if any(target == d or target.startswith(d + ".") for d in defined):
        return "first_party"
    if first in ELIXIR_STDLIB:
        return "stdlib"
    roots = {d.split(".", 1)[0] for d in defined}
    return "first_party" if first in roots else "third_party"

