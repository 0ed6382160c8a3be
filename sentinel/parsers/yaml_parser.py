"""YAML, including multi-document streams, as conftest's ``yaml`` parser reads them.

Aliases are bounded: PyYAML shares an aliased node, so a "billion laughs" file of a few hundred
bytes loads small, but every later consumer (JSON, the Rego engine) expands it to gigabytes.
Before each document is constructed its node graph is measured as if expanded, and the file is
refused past :data:`MAX_ALIASES` aliases or when aliases would add more than
:data:`MAX_ALIAS_NODES` nodes or :data:`MAX_ALIAS_CHARS` characters of scalars (go-yaml, which
conftest uses, refuses such documents too, as "excessive aliasing").

Tags outside the YAML core schema (CloudFormation's ``!Ref``, ``!GetAtt``, ``!Sub``) are dropped
and the value kept as written, as go-yaml does for tags it does not know; PyYAML's Python object
tags (``!!python/object/apply:...``) are refused outright.
"""

from __future__ import annotations

import math
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sentinel.parsers._common import fail, go_key, strip_bom

# libyaml's parser when PyYAML was built with it: several times faster than the pure-Python one.
_BASE: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_ALIASES = 100_000
MAX_ALIAS_NODES = 1_000_000
MAX_ALIAS_CHARS = 16 * 1024 * 1024


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def check_aliases(root: Node) -> None:
    """ConstructorError when ``root``, with every alias expanded, is too large, or an alias refers
    to a node that contains it. Each node is visited once (sizes are memoised), so the check costs
    as much as the document as written, not as expanded."""
    sizes: dict[int, tuple[int, int]] = {}
    open_nodes: set[int] = set()
    written = [0, 0]
    aliases = 0
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_nodes.discard(key)
            chars = len(node.value) if isinstance(node, ScalarNode) else 0
            nodes = 1
            for child in _children(node):
                child_nodes, child_chars = sizes[id(child)]
                nodes += child_nodes
                chars += child_chars
            sizes[key] = (nodes, chars)
            if nodes - written[0] > MAX_ALIAS_NODES or chars - written[1] > MAX_ALIAS_CHARS:
                raise ConstructorError(None, None, "too many aliases: expanding them makes the document "
                                       "too large", node.start_mark)
            continue
        if key in sizes or key in open_nodes:
            if key in open_nodes:
                raise ConstructorError(None, None, "recursive alias: an anchor is used inside itself",
                                       node.start_mark)
            aliases += 1
            if aliases > MAX_ALIASES:
                raise ConstructorError(None, None, f"too many aliases (over {MAX_ALIASES})", node.start_mark)
            continue
        open_nodes.add(key)
        written[0] += 1
        written[1] += len(node.value) if isinstance(node, ScalarNode) else 0
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(_children(node)))


class _Loader(_BASE):  # type: ignore[valid-type,misc]
    """The safe loader, building plain JSON values directly (no second pass over the tree).

    As conftest's Go YAML library does: timestamps keep their text, mapping keys become strings,
    ``!!set`` is a mapping to null. NaN and infinities have no JSON form and are errors.
    """

    def construct_document(self, node: Node) -> Any:
        check_aliases(node)
        return super().construct_document(node)

    def construct_python_tag(self, suffix: str, node: Node) -> Any:
        raise ConstructorError(None, None, "Python object tags are not allowed", node.start_mark)

    def construct_untagged(self, node: Node) -> Any:
        """A value whose tag is not in the core schema (``!Ref name``): the value, tag dropped."""
        if isinstance(node, MappingNode):
            return self.construct_mapping(node)
        if isinstance(node, SequenceNode):
            return self.construct_sequence(node)
        return str(self.construct_scalar(node))

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[str, Any]:
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        if all(isinstance(key, str) for key in mapping):
            return mapping
        return {go_key(key): value for key, value in mapping.items()}

    def construct_text(self, node: yaml.ScalarNode) -> str:
        return str(self.construct_scalar(node))

    def construct_finite_float(self, node: yaml.ScalarNode) -> float:
        value: float = self.construct_yaml_float(node)
        if not math.isfinite(value):
            raise ConstructorError(None, None, f"the number {node.value} cannot be represented in JSON",
                                   node.start_mark)
        return value


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_text)
_Loader.add_constructor("tag:yaml.org,2002:binary", _Loader.construct_text)
_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_finite_float)
_Loader.add_constructor("tag:yaml.org,2002:set", _Loader.construct_yaml_map)
_Loader.add_constructor(None, _Loader.construct_untagged)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _Loader.construct_python_tag)


class YamlParser:
    """YAML 1.1 with the safe loader (no Python object tags).

    A stream of several documents gives a list of them (empty documents dropped), a single
    document its value, as conftest does; JSON is YAML, so JSON parses too.
    """

    name = "yaml"
    extensions: tuple[str, ...] = ("yaml", "yml")

    def parse(self, text: str, filename: str) -> Any:
        try:
            documents = [d for d in yaml.load_all(strip_bom(text), Loader=_Loader) if d is not None]
        except yaml.YAMLError as exc:
            raise _error(filename, exc) from None
        if not documents:
            return None
        return documents[0] if len(documents) == 1 else documents


def _error(filename: str, exc: yaml.YAMLError) -> Exception:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    message = " ".join(p for p in (problem, f"({context})" if context else None) if p) or str(exc)
    return fail(filename, f"invalid YAML: {message}", mark.line + 1 if mark is not None else None)
