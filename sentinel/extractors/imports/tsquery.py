"""Small helpers over tree-sitter queries, shared by the tree-sitter based scanners."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import tree_sitter as ts

from sentinel.extractors import treesitter
from sentinel.extractors.base import check_budget


@cache
def query(grammar: str, source: str) -> ts.Query:
    """A compiled query (compiling costs more than running; languages and queries are reused)."""
    return ts.Query(treesitter.language(grammar), source)


def captures(grammar: str, source: str, node: ts.Node) -> dict[str, list[ts.Node]]:
    """Captured nodes by capture name, each list in document order."""
    check_budget()
    found = ts.QueryCursor(query(grammar, source)).captures(node)
    return {name: sorted(nodes, key=lambda n: n.start_byte) for name, nodes in found.items()}


def matches(grammar: str, source: str, node: ts.Node) -> list[dict[str, ts.Node]]:
    """Each match of the query as capture name -> node (first node of each capture)."""
    check_budget()
    out = []
    for _, found in ts.QueryCursor(query(grammar, source)).matches(node):
        out.append({name: nodes[0] if isinstance(nodes, list) else nodes for name, nodes in found.items()})
    return out


def text(node: ts.Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def compact(node: ts.Node | None) -> str:
    """Node text without whitespace (``a :: b`` -> ``a::b``)."""
    return "".join(text(node).split())


def line(node: ts.Node) -> int:
    return int(node.start_point[0]) + 1


def end_line(node: ts.Node) -> int:
    return int(node.end_point[0]) + 1


@dataclass
class Scan:
    """What a scanner found in one file."""

    imports: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    module: str | None = None
    defines: list[str] = field(default_factory=list)
