"""YAML, including multi-document streams, as conftest's ``yaml`` parser reads them."""

from __future__ import annotations

import math
from typing import Any

import yaml
from yaml.constructor import ConstructorError

from sentinel.parsers._common import fail, go_key, strip_bom

# libyaml's parser when PyYAML was built with it: several times faster than the pure-Python one.
_BASE: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BASE):  # type: ignore[valid-type,misc]
    """The safe loader, building plain JSON values directly (no second pass over the tree).

    As conftest's Go YAML library does: timestamps keep their text, mapping keys become strings,
    ``!!set`` is a mapping to null. NaN and infinities have no JSON form and are errors.
    """

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
