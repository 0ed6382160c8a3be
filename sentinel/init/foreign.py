"""Configurations teams already have, translated to Sentinel's: import-linter contracts
(``.importlinter``, ``setup.cfg``, ``pyproject.toml`` ``[tool.importlinter]``) and buf's breaking
settings (``buf.yaml`` v1 and v2, ``buf.work.yaml``).

Both ``sentinel init`` (which writes the translation into conftest.yml) and the configuration
loader (which reads them directly when conftest.yml says nothing, so teams migrate without
rewriting) use these readers. The files are repository content: read with a size cap, never
through a symlink, parsed only by configparser, tomllib and PyYAML's safe loader. Problems are
returned, never raised: the caller decides whether one is fatal.
"""

from __future__ import annotations

import configparser
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

MAX_CONFIG_BYTES = 1024 * 1024
IMPORTLINTER_FILES = (".importlinter", "setup.cfg")
CATEGORIES = ("FILE", "PACKAGE", "WIRE_JSON", "WIRE")  # most inclusive first, as buf nests them
BUF_DEFAULT_USE = "FILE"

# import-linter contract type -> (its keys we keep, the keys it requires). Ours use its names.
CONTRACT_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "forbidden": (
        ("source_modules", "forbidden_modules", "ignore_imports", "allow_indirect_imports", "as_packages"),
        ("source_modules", "forbidden_modules"),
    ),
    "layers": (("layers", "containers", "ignore_imports", "exhaustive", "exhaustive_ignores"), ("layers",)),
    "independence": (("modules", "ignore_imports"), ("modules",)),
    "protected": (
        ("protected_modules", "allowed_importers", "ignore_imports", "as_packages"),
        ("protected_modules",),
    ),
}
_BOOL_KEYS = {"allow_indirect_imports", "as_packages", "exhaustive"}


@dataclass
class Contracts:
    """import-linter contracts as ``params.architecture`` (type -> list of contracts)."""

    by_type: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    source: str | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class BufBreaking:
    """buf's ``breaking`` settings as Sentinel's: ``strictness`` for protocol.breaking_change and
    the proto extractor's ``except``, ``ignore`` and ``ignore_only`` (repository-anchored globs)."""

    source: str
    strictness: str = BUF_DEFAULT_USE
    except_rules: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    ignore_only: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def read_text(root: Path, rel: str) -> tuple[str | None, str | None]:
    """(text, problem): None text when the file is absent, a symlink, too large or unreadable."""
    path = root / rel
    try:
        if path.is_symlink() or not path.is_file():
            return None, None
        if not path.resolve().is_relative_to(root.resolve()):
            return None, f"{rel}: reached through a symlinked folder outside the repository, not read"
        if path.stat().st_size > MAX_CONFIG_BYTES:
            return None, f"{rel}: larger than {MAX_CONFIG_BYTES} bytes, not read"
        return path.read_text(encoding="utf-8"), None
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"{rel}: cannot be read ({exc.__class__.__name__})"


# ---- import-linter ---------------------------------------------------------------------------


def read_importlinter(root: Path) -> Contracts:
    """The first of .importlinter, setup.cfg, pyproject.toml that holds contracts, translated."""
    found = Contracts()
    for rel in IMPORTLINTER_FILES:
        text, problem = read_text(root, rel)
        if problem:
            found.problems.append(problem)
        if text is None:
            continue
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(text, source=rel)
        except configparser.Error as exc:
            found.problems.append(f"{rel}: not readable as INI ({exc.__class__.__name__})")
            continue
        sections = {
            name.removeprefix("importlinter:contract:"): dict(parser[name])
            for name in parser.sections()
            if name.startswith("importlinter:contract:")
        }
        if sections:
            _translate(sections, rel, found)
            return found
    text, problem = read_text(root, "pyproject.toml")
    if problem:
        found.problems.append(problem)
    if text is None:
        return found
    try:
        tool = tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError as exc:
        found.problems.append(f"pyproject.toml: not valid TOML ({exc})")
        return found
    linter = tool.get("importlinter") if isinstance(tool, dict) else None
    listed = linter.get("contracts") if isinstance(linter, dict) else None
    if isinstance(listed, list):
        entries = {str(c.get("id") or i): c for i, c in enumerate(listed) if isinstance(c, dict)}
        _translate(entries, "pyproject.toml [tool.importlinter]", found)
    return found


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [line.strip() for line in str(value).splitlines() if line.strip()]


def _as_bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in ("true", "yes", "1", "on")


def _translate(contracts: dict[str, dict[str, Any]], source: str, found: Contracts) -> None:
    for key, contract in contracts.items():
        kind = str(contract.get("type", "")).strip()
        name = str(contract.get("name") or key).strip()
        if kind not in CONTRACT_KEYS:
            found.problems.append(f"{source}: contract {name!r} of type {kind!r} has no Sentinel equivalent")
            continue
        keys, required = CONTRACT_KEYS[kind]
        missing = [k for k in required if not contract.get(k)]
        if missing:
            found.problems.append(f"{source}: contract {name!r} ({kind}) lacks {', '.join(missing)}")
            continue
        out: dict[str, Any] = {"name": name}
        for key_name in keys:
            if key_name in contract:
                value = contract[key_name]
                out[key_name] = _as_bool(value) if key_name in _BOOL_KEYS else _as_list(value)
        found.by_type.setdefault(kind, []).append(out)
    if found.by_type:
        found.source = source


# ---- buf -------------------------------------------------------------------------------------


def read_buf(root: Path) -> BufBreaking | None:
    """buf's breaking settings of the repository (None without buf.yaml / buf.work.yaml).

    v1: buf.yaml at a module root, paths relative to it; buf.work.yaml lists module folders.
    v2: buf.yaml at the workspace root with ``breaking`` and per-module ``modules[].breaking``;
    paths relative to buf.yaml. A module's ``except`` applies to that module only (as an
    ``ignore_only`` entry on its folder). Without ``use`` buf checks FILE, and so do we.
    """
    text, problem = read_text(root, "buf.yaml")
    if text is not None or problem:
        out = BufBreaking(source="buf.yaml")
        if problem:
            out.problems.append(problem)
        else:
            _buf_file(text or "", "buf.yaml", "", out, workspace=True)
        return out
    text, problem = read_text(root, "buf.work.yaml")
    if text is None and not problem:
        return None
    out = BufBreaking(source="buf.work.yaml")
    if problem:
        out.problems.append(problem)
        return out
    work = _yaml(text or "", "buf.work.yaml", out)
    uses: list[str] = []
    for directory in _strings(work.get("directories"), "buf.work.yaml: directories", out):
        prefix = _safe_rel(directory, "buf.work.yaml: directories", out)
        if prefix is None:
            continue
        rel = f"{prefix}/buf.yaml"
        module_text, problem = read_text(root, rel)
        if problem:
            out.problems.append(problem)
        if module_text is not None:
            module = BufBreaking(source=rel)
            _buf_file(module_text, rel, prefix, module, workspace=False)
            uses.append(module.strictness)
            out.problems += module.problems
            out.ignore += module.ignore
            for rule in module.except_rules:
                out.ignore_only.setdefault(rule, []).append(f"/{prefix}")
            for rule, paths in module.ignore_only.items():
                out.ignore_only.setdefault(rule, []).extend(paths)
    out.strictness = _most_inclusive(uses or [BUF_DEFAULT_USE])
    return out


def _buf_file(text: str, rel: str, prefix: str, out: BufBreaking, workspace: bool) -> None:
    data = _yaml(text, rel, out)
    version = str(data.get("version", "v1"))
    breaking = data.get("breaking") or {}
    if not isinstance(breaking, dict):
        out.problems.append(f"{rel}: breaking must be a mapping")
        return
    uses = [_use(breaking, rel, out)]
    _paths_into(breaking, rel, prefix, out)
    if workspace and version == "v2":
        modules = data.get("modules") or []
        if not isinstance(modules, list):
            out.problems.append(f"{rel}: modules must be a list")
            modules = []
        for i, module in enumerate(modules):
            if not isinstance(module, dict) or not isinstance(module.get("breaking"), dict):
                continue
            where = f"{rel}: modules[{i}]"
            path = _safe_rel(str(module.get("path", ".")), f"{where}.path", out)
            if path is None:
                continue
            sub = BufBreaking(source=rel)
            uses.append(_use(module["breaking"], where, sub))
            _paths_into(module["breaking"], where, "", sub)
            out.problems += sub.problems
            out.ignore += sub.ignore
            for rule in sub.except_rules:
                if path == ".":
                    out.except_rules.append(rule)
                else:
                    out.ignore_only.setdefault(rule, []).append(f"/{path}")
            for rule, paths in sub.ignore_only.items():
                out.ignore_only.setdefault(rule, []).extend(paths)
    out.strictness = _most_inclusive(uses)


def _use(breaking: dict[str, Any], where: str, out: BufBreaking) -> str:
    use = _strings(breaking.get("use", [BUF_DEFAULT_USE]), f"{where}: breaking.use", out)
    rules = [u for u in use if u not in CATEGORIES]
    if rules:
        out.problems.append(
            f"{where}: breaking.use lists rule ids ({', '.join(rules)}); Sentinel's strictness takes "
            f"categories only ({', '.join(CATEGORIES)}): use a category and `except` the rest"
        )
    return _most_inclusive([u for u in use if u in CATEGORIES] or [BUF_DEFAULT_USE])


def _paths_into(breaking: dict[str, Any], where: str, prefix: str, out: BufBreaking) -> None:
    except_rules = _strings(breaking.get("except", []), f"{where}: breaking.except", out)
    out.except_rules += except_rules
    for path in _strings(breaking.get("ignore", []), f"{where}: breaking.ignore", out):
        glob = _anchored(prefix, path, f"{where}: breaking.ignore", out)
        if glob:
            out.ignore.append(glob)
    ignore_only = breaking.get("ignore_only") or {}
    if not isinstance(ignore_only, dict):
        out.problems.append(f"{where}: breaking.ignore_only must be a mapping of rule id to paths")
        return
    for rule, paths in ignore_only.items():
        for path in _strings(paths, f"{where}: breaking.ignore_only.{rule}", out):
            glob = _anchored(prefix, path, f"{where}: breaking.ignore_only.{rule}", out)
            if glob:
                out.ignore_only.setdefault(str(rule), []).append(glob)


def _most_inclusive(uses: list[str]) -> str:
    return min(uses, key=CATEGORIES.index)


def _yaml(text: str, rel: str, out: BufBreaking) -> dict[str, Any]:
    """The mapping of a buf file. Aliases are refused: buf needs none, and they could expand a
    small file into a huge document."""
    try:
        if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=yaml.SafeLoader)):
            out.problems.append(f"{rel}: YAML aliases are not supported")
            return {}
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        out.problems.append(f"{rel}{line}: not valid YAML ({getattr(exc, 'problem', None) or exc})")
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        out.problems.append(f"{rel}: must be a mapping")
        return {}
    return data


def _strings(value: Any, where: str, out: BufBreaking) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        out.problems.append(f"{where}: must be a list of strings")
        return []
    return list(value)


def _safe_rel(path: str, where: str, out: BufBreaking) -> str | None:
    """A repository-relative folder or file (POSIX), or None (with a problem) when it would leave."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or "\\" in path or any(ord(c) < 32 for c in path):
        out.problems.append(f"{where}: {path!r} must be a relative path inside the repository")
        return None
    return pure.as_posix()


def _anchored(prefix: str, path: str, where: str, out: BufBreaking) -> str | None:
    rel = _safe_rel(path, where, out)
    if rel is None:
        return None
    joined = (PurePosixPath(prefix) / rel).as_posix() if prefix else rel
    if joined == ".":
        return "/**"
    # Anchored gitwildmatch: a folder matches everything below it, a file itself. Glob characters
    # in a buf path are literal there, so they are escaped.
    return "/" + "".join(f"\\{c}" if c in "*?[]\\" else c for c in joined)
