"""Small helpers over Python's ``ast`` shared by the Python-reading extractors."""

from __future__ import annotations

import ast
import re

# Tokens that each add a level to the tree: operators, attribute dots, calls and subscripts,
# and the keywords that nest (``not``, ``lambda``, ``await``, conditional ``if``).
_DEEPENING = re.compile(r"[-+*/%@&|^~.<>=(\[]|\b(?:not|lambda|await|if)\b")


def parse(source: str, filename: str) -> ast.Module:
    """``ast.parse``, with a tree too deep for the parser as a SyntaxError at its likely line.

    A statement such as ``x = 1+1+...`` over hundreds of kilobytes makes CPython's parser raise
    RecursionError (or MemoryError) with no line; as a SyntaxError it takes the path every
    caller already has for files that do not parse. The line is the one with the most
    deepening tokens, where such a statement almost always sits.
    """
    try:
        return ast.parse(source, filename=filename)
    except (RecursionError, MemoryError):
        line = deepest_statement_line(source)
        raise SyntaxError("expressions nested too deeply to parse", (filename, line, None, None)) from None


def deepest_statement_line(source: str) -> int:
    best, at = -1, 1
    for number, text in enumerate(source.split("\n"), start=1):
        count = len(_DEEPENING.findall(text))
        if count > best:
            best, at = count, number
    return at


def dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a name or attribute chain, or None for anything else (calls, subscripts)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None
