"""``sentinel init --check``: whether a configuration still describes the tree (besides the globs,
which the configuration loader checks): every contract module exists, and every top-level package
or crate belongs to a layer. Works on plain data, so it does not depend on the loader."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pathspec

from sentinel.init.detect import Findings

KeyPath = tuple[str | int, ...]
# Contract keys that name modules, per import-linter contract type.
MODULE_KEYS = {
    "forbidden": ("source_modules", "forbidden_modules"),
    "layers": ("layers", "containers"),
    "independence": ("modules",),
    "acyclic": ("packages",),
    "protected": ("protected_modules", "allowed_importers"),
}


def module_names(entry: str) -> list[str]:
    """The modules of one contract entry: a layer may be ``a | b`` or ``a : b``; ``(a)`` is optional."""
    names = []
    for part in entry.replace(":", "|").split("|"):
        name = part.strip()
        if name and not (name.startswith("(") and name.endswith(")")) and "*" not in name:
            names.append(name)
    return names


def _module_exists(module: str, files: set[str], folders: set[str], roots: list[str]) -> bool:
    rel = module.replace(".", "/")
    for root in roots:
        base = f"{root}/{rel}" if root else rel
        if f"{base}.py" in files or base in folders:
            return True
    return False


def _contract_modules(architecture: dict[str, Any]) -> Iterator[tuple[KeyPath, str, list[str]]]:
    for kind, keys in MODULE_KEYS.items():
        contracts = architecture.get(kind)
        if not isinstance(contracts, list):
            continue
        for index, contract in enumerate(contracts):
            if not isinstance(contract, dict):
                continue
            containers = [str(c) for c in contract.get("containers") or []] if kind == "layers" else []
            for key in keys:
                for position, entry in enumerate(contract.get(key) or []):
                    path: KeyPath = ("params", "architecture", kind, index, key, position)
                    names = module_names(str(entry))
                    if containers and key == "layers":
                        yield path, str(entry), [f"{c}.{n}" for c in containers for n in names]
                    else:
                        yield path, str(entry), names


def problems(
    sections: dict[str, Any], files: list[str], findings: Findings, where: Callable[[KeyPath], str]
) -> list[str]:
    """One line per inconsistency between the configuration's sections and the repository."""
    out: list[str] = []
    file_set = set(files)
    folders = {"/".join(f.split("/")[:i]) for f in files for i in range(1, f.count("/") + 1)}
    options = (sections.get("extract") or {}).get("options") or {}
    python = (options.get("imports") or {}).get("python") or {}
    roots = ["", "src", *[str(r).strip("/") for r in python.get("roots") or []]]
    roots += [folder for folder in findings.crates.values() if folder != "."]
    architecture = (sections.get("params") or {}).get("architecture") or {}
    for path, entry, names in _contract_modules(architecture):
        missing = [n for n in names if not _module_exists(n, file_set, folders, roots)]
        crate_roots = set(findings.crates)
        missing = [n for n in missing if n.split(".")[0] not in crate_roots]
        if missing and len(missing) == len(names):
            out.append(f"{where(path)}: module {entry!r} does not exist in the tree")
    layers = (options.get("files") or {}).get("layers") or {}
    globs = [g for value in layers.values() if isinstance(value, list) for g in value if isinstance(g, str)]
    spec = pathspec.PathSpec.from_lines("gitwildmatch", globs)
    for kind, found in (("package", findings.packages), ("crate", findings.crates)):
        for name, folder in sorted(found.items()):
            members = [f for f in files if folder == "." or f.startswith(f"{folder}/")]
            if members and not any(spec.match_file(f) for f in members):
                layers_key = where(("extract", "options", "files", "layers"))
                out.append(f"{layers_key}: {kind} {name!r} ({folder}/) is in no layer")
    return out
