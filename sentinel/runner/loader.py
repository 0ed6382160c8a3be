"""Find policy and data files the way conftest (OPA's loader) does, and merge the data."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sentinel import parsers
from sentinel.errors import PolicyError, UsageError
from sentinel.runner.engine import PolicySource, read_policy

DATA_EXTENSIONS = (".json", ".yaml", ".yml")


def _walk(root: Path) -> list[Path]:
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        out.extend(Path(dirpath, f) for f in sorted(filenames))
    return out


def find_policies(paths: list[str]) -> list[PolicySource]:
    """Every ``.rego`` file under ``paths`` (recursively), for evaluation and for verify alike.

    Like OPA and conftest, a file's name does not make it a test: ``verify`` runs the rules named
    ``test_*`` wherever they are, and ``*_test.rego`` files are evaluated like any other.

    A path that does not exist, or paths that hold no policy at all, are errors: a gate with
    no policies must never pass.
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError("policy path does not exist", file=raw)
        candidates = [path] if path.is_file() else _walk(path)
        for candidate in candidates:
            if candidate.suffix != ".rego":
                continue
            files.append(candidate)
    if not files:
        raise UsageError(f"no policies found in {', '.join(paths)}")
    return [read_policy(f) for f in sorted(set(files))]


def load_data(paths: list[str]) -> dict[str, Any]:
    """Merge data files into one document, as OPA's loader does.

    A file given directly is merged at the root; a file found under a directory is merged under
    the path of its folder relative to that directory (``dir/a/b/x.json`` -> ``data.a.b``).
    Two files that set the same key to different non-object values conflict: an error naming both.
    """
    merged: dict[str, Any] = {}
    origins: dict[tuple[str, ...], str] = {}
    for raw in paths:
        root = Path(raw)
        if not root.exists():
            raise UsageError("data path does not exist", file=raw)
        entries: list[tuple[Path, tuple[str, ...]]]
        if root.is_file():
            entries = [(root, ())]
        else:
            entries = [
                (f, tuple(f.parent.relative_to(root).parts))
                for f in _walk(root)
                if f.suffix in DATA_EXTENSIONS
            ]
        for file, prefix in entries:
            document = _read_data_file(file)
            if document is None:
                continue
            if prefix:
                if not isinstance(document, dict):
                    document = {}
                for key in reversed(prefix):
                    document = {key: document}
            if not isinstance(document, dict):
                raise PolicyError("data document must be an object at the top level", file=str(file), line=1)
            _merge(merged, document, (), str(file), origins)
    return merged


def _read_data_file(file: Path) -> Any:
    """Data files go through the same JSON/YAML parsers as inputs (so a YAML date stays the text it
    is, as in OPA's loader). A multi-document YAML data file is an error: OPA loads one document."""
    document = parsers.parse_file(str(file), "json" if file.suffix == ".json" else "yaml")
    if file.suffix != ".json" and isinstance(document, list) and _is_multi_document(file):
        raise PolicyError("a data file must hold one YAML document", file=str(file))
    return document


def _is_multi_document(file: Path) -> bool:
    return any(line.rstrip() == "---" for line in file.read_text(encoding="utf-8").splitlines()[1:])


def _merge(
    into: dict[str, Any],
    new: dict[str, Any],
    path: tuple[str, ...],
    source: str,
    origins: dict[tuple[str, ...], str],
) -> None:
    for key, value in new.items():
        here = (*path, str(key))
        if key in into and isinstance(into[key], dict) and isinstance(value, dict):
            _merge(into[key], value, here, source, origins)
            continue
        if key in into and into[key] != value:
            dotted = ".".join(here)
            # The key may have come inside an object set by an earlier file: name the nearest one.
            first = next(
                (origins[here[:i]] for i in range(len(here), 0, -1) if here[:i] in origins),
                "an earlier data file",
            )
            raise PolicyError(f"conflicting data: data.{dotted} is also set by {first}", file=source)
        into[key] = value
        origins[here] = source
