"""Where a secrets finding sits: ``code``, or one of the contexts where secrets are mostly samples.

A finding's context decides its weight in ``security.secret_in_code`` (denied in ``code``, a
warning elsewhere by default). Contexts come from path globs (gitwildmatch, option
``context_paths``: context -> globs, each given list replacing that context's default), checked
in ``ORDER``; test files are also those ``extractors.testpaths`` recognises, and in Rust a line
inside an item marked ``#[cfg(test)]`` (a unit-test module) is ``test`` too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pathspec
import tree_sitter as ts

from sentinel.extractors import treesitter
from sentinel.extractors.errors import ExtractorError
from sentinel.extractors.imports.tsquery import compact
from sentinel.extractors.testpaths import is_test_path

CODE = "code"
# First match wins: a notebook under docs/ is a notebook, a fixture under tests/ a fixture.
ORDER = ("notebook", "ci", "fixture", "test", "docs")
CONTEXTS = (CODE, *ORDER)
DEFAULT_PATHS: dict[str, tuple[str, ...]] = {
    "notebook": ("**/*.ipynb",),
    "ci": (
        ".github/workflows/**",
        ".github/actions/**",
        ".gitlab-ci.yml",
        ".gitlab/ci/**",
        ".circleci/**",
        ".travis.yml",
        "azure-pipelines.yml",
        ".buildkite/**",
    ),
    "fixture": (
        "**/fixtures/**",
        "**/__fixtures__/**",
        "**/testdata/**",
        "**/test_data/**",
        "**/__snapshots__/**",
    ),
    "test": (
        "tests/**",
        "**/tests/**",
        "**/test/**",
        "**/__tests__/**",
        "**/test_*.py",
        "**/*_test.py",
        "**/conftest.py",
        "**/*_test.go",
        "**/*.test.*",
        "**/*.spec.*",
        "**/*_test.exs",
    ),
    "docs": ("docs/**", "doc/**", "**/*.md", "**/*.rst", "**/*.adoc"),
}


@dataclass(frozen=True)
class Classifier:
    specs: tuple[tuple[str, pathspec.PathSpec], ...]

    def of_path(self, path: str) -> str:
        for name, spec in self.specs:
            if spec.match_file(path):
                return name
        return "test" if is_test_path(path) else CODE


def classifier(option: object) -> Classifier:
    """The path classifier for the ``context_paths`` option (``None``: the defaults)."""
    given: Mapping[str, object] = {}
    if option is not None:
        if not isinstance(option, dict):
            raise ExtractorError(
                "extract.options.secrets.context_paths: must map a context to a list of globs"
            )
        given = option
    unknown = sorted(set(given) - set(ORDER))
    if unknown:
        raise ExtractorError(
            f"extract.options.secrets.context_paths.{unknown[0]}: unknown context; "
            f"choose from {', '.join(ORDER)}"
        )
    specs = []
    for name in ORDER:
        globs = given.get(name, DEFAULT_PATHS[name])
        if not isinstance(globs, list | tuple) or not all(isinstance(g, str) for g in globs):
            raise ExtractorError(f"extract.options.secrets.context_paths.{name}: must be a list of globs")
        specs.append((name, pathspec.PathSpec.from_lines("gitwildmatch", globs)))
    return Classifier(tuple(specs))


def _is_cfg_test(attribute_item: ts.Node) -> bool:
    return any(compact(a).replace(" ", "") == "cfg(test)" for a in attribute_item.named_children)


def rust_test_ranges(source: str) -> list[tuple[int, int]]:
    """1-based inclusive line ranges of Rust items marked ``#[cfg(test)]``."""
    tree = treesitter.parser("rust").parse(source.encode("utf-8"))
    ranges: list[tuple[int, int]] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        marked = False
        for child in node.named_children:
            if child.type == "attribute_item":
                marked = marked or _is_cfg_test(child)
                continue
            if marked and child.type not in ("line_comment", "block_comment"):
                ranges.append((child.start_point[0] + 1, child.end_point[0] + 1))
                marked = False
                continue
            if child.type in ("mod_item", "declaration_list"):
                stack.append(child)
    return sorted(ranges)


def in_ranges(line: int, ranges: Sequence[tuple[int, int]]) -> bool:
    return any(first <= line <= last for first, last in ranges)
