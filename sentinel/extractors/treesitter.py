"""tree-sitter parsers for the non-Python languages, from the official grammar wheels."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import tree_sitter as ts

from sentinel.extractors.base import check_budget

# Source extension -> grammar name.
EXTENSIONS: dict[str, str] = {
    ".rs": "rust",
    ".go": "go",
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".ex": "elixir",
    ".exs": "elixir",
}


@cache
def language(name: str) -> ts.Language:
    if name == "rust":
        import tree_sitter_rust as grammar

        return ts.Language(grammar.language())
    if name == "go":
        import tree_sitter_go as grammar_go

        return ts.Language(grammar_go.language())
    if name == "javascript":
        import tree_sitter_javascript as grammar_js

        return ts.Language(grammar_js.language())
    if name in ("typescript", "tsx"):
        import tree_sitter_typescript as grammar_ts

        return ts.Language(grammar_ts.language_tsx() if name == "tsx" else grammar_ts.language_typescript())
    if name == "elixir":
        import tree_sitter_elixir as grammar_ex

        return ts.Language(grammar_ex.language())
    raise ValueError(f"no tree-sitter grammar for {name!r}")


def parser(name: str) -> ts.Parser:
    """A new parser (parsers are not shared across processes; languages are cached)."""
    return ts.Parser(language(name))


def grammar_for(path: str) -> str | None:
    dot = path.rfind(".")
    return EXTENSIONS.get(path[dot:].lower()) if dot >= 0 else None


def first_error_line(tree: ts.Tree) -> int | None:
    """1-based line of the first ERROR or MISSING node, or None for a clean parse."""
    if not tree.root_node.has_error:
        return None
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            return int(node.start_point[0]) + 1
        stack.extend(reversed([c for c in node.children if c.has_error or c.is_error or c.is_missing]))
    return int(tree.root_node.start_point[0]) + 1


def walk(root: ts.Node) -> Iterator[ts.Node]:
    """Every node under ``root`` (root included), depth first, with one cursor: no recursion.

    Every 4,096 nodes the file's time budget is checked (a walk per definition over nested
    definitions is quadratic in the nesting).
    """
    cursor = root.walk()
    seen = 0
    while True:
        node = cursor.node
        if node is not None:
            yield node
        seen += 1
        if not seen & 4095:
            check_budget()
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return
