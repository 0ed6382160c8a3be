"""conftest's own Rego builtins, registered as regorus extensions.

``parse_config(parser, text)``, ``parse_config_file(path)`` and
``parse_combined_config_files(paths)`` parse configuration with the same parsers as the inputs.
conftest resolves file paths against the folder of the calling policy file; regorus does not tell an
extension where it was called from, so paths are resolved against the folder of the first policy
file that calls one of them, the same folder for the usual layout of policies. A policy may be hostile: a path
that leads outside the working directory (``..``, absolute, a symlink out) is refused, and files
are read with the input size cap. Any failure is an evaluation error (exit 2), where conftest
makes the call undefined unless ``--show-builtin-errors``: an error never silently passes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import regorus

from sentinel import parsers
from sentinel.errors import ParseError

NAMES = ("parse_config", "parse_config_file", "parse_combined_config_files")


def calling_folder(sources: Sequence[tuple[str, str]]) -> str | None:
    """The folder of the first policy file (path, text) that calls one of these builtins, or None
    when none does (then nothing is registered)."""
    for path, text in sources:
        if any(name in text for name in NAMES):
            return os.path.dirname(path) or "."
    return None


def _confined(base: str, path: str) -> str:
    if not isinstance(path, str) or not path:
        raise ParseError("parse_config_file needs a file path (a string)")
    joined = os.path.normpath(os.path.join(base, path))
    root = os.path.realpath(os.getcwd())
    if os.path.commonpath([os.path.realpath(joined), root]) != root:
        raise ParseError("refused: the path leads outside the working directory", file=path)
    return joined


def register(engine: regorus.Engine, base: str) -> None:
    def parse_config(parser: Any, text: Any) -> Any:
        if not isinstance(parser, str) or not isinstance(text, str):
            raise ParseError("parse_config(parser, text) takes two strings")
        return parsers.parse_bytes(text.encode("utf-8"), "parse_config", parser)

    def parse_config_file(path: Any) -> Any:
        return parsers.parse_file(_confined(base, path))

    def parse_combined_config_files(paths: Any) -> Any:
        if not isinstance(paths, list):
            raise ParseError("parse_combined_config_files takes a list of file paths")
        files = [_confined(base, p) for p in paths]
        return parsers.combine({f: parsers.parse_file(f) for f in files})

    engine.add_extension("parse_config", 2, parse_config)
    engine.add_extension("parse_config_file", 1, parse_config_file)
    engine.add_extension("parse_combined_config_files", 1, parse_combined_config_files)
