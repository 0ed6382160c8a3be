"""Policy packs: one policy revision (modules + data, compiled), and the tenant -> pack mapping.

A pack is what an OPA bundle root holds: ``.rego`` modules and data files whose folder is their
path under ``data``. Without tenant packs, every tenant gets the default pack. With
``--tenant-packs DIR``, each folder ``DIR/<tenant>/`` is that tenant's pack and a tenant with no
folder has no pack: its requests are denied (fail closed), never allowed.

A folder pack's revision and constitution hash are the SHA-256 of the RFC 8785 canonical JSON of
``{"modules": [[path relative to its root, text], ...], "data": {...}}`` (modules sorted by path),
so the same content loaded from anywhere names the same revision. Bundles bring their own.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sentinel.errors import PolicyError, UsageError
from sentinel.runtime.decision.models import TENANT_PATTERN
from sentinel.runtime.engine import CompiledPolicy, ProgramCache, thread_bound

_TENANT = re.compile(TENANT_PATTERN)


class _Interpreter:
    """regorus's interpreter for paths that are not compiled entry points (OPA's data API can ask
    for a whole package). Built on first use in each thread: regorus objects are thread-bound."""

    def __init__(self, modules: Sequence[tuple[str, str]], data: Mapping[str, Any]) -> None:
        self._modules = modules
        self._data = data

    def engine(self) -> Any:
        return thread_bound(self, self._new_engine)

    def _new_engine(self) -> Any:
        import json

        import regorus

        engine = regorus.Engine()
        engine.set_policy_length_config(
            max_col=1_000_000, max_file_bytes=64 * 1024 * 1024, max_lines=1_000_000
        )
        for path, text in self._modules:
            engine.add_policy(path, text)
        engine.add_data_json(json.dumps(self._data))
        return engine


@dataclass(frozen=True)
class Pack:
    """One loaded policy revision. Immutable: a reload builds a new pack and swaps it in whole."""

    revision: str
    constitution_hash: str
    decision_package: str
    modules: tuple[tuple[str, str], ...]
    data: Mapping[str, Any]
    program: CompiledPolicy
    interpreter: _Interpreter = field(repr=False)
    # Derived once (the hot path reads them on every decision).
    deny_entrypoint: str = field(init=False)
    warn_entrypoint: str = field(init=False)
    entrypoints: tuple[str, str] = field(init=False)
    defines_deny: bool = field(init=False)
    defines_warn: bool = field(init=False)

    def __post_init__(self) -> None:
        deny, warn = f"data.{self.decision_package}.deny", f"data.{self.decision_package}.warn"
        for name, value in (
            ("deny_entrypoint", deny),
            ("warn_entrypoint", warn),
            ("entrypoints", (deny, warn)),
            ("defines_deny", deny in self.program.entrypoints),
            ("defines_warn", warn in self.program.entrypoints),
        ):
            object.__setattr__(self, name, value)


@dataclass(frozen=True)
class PackSet:
    """The default pack (None with tenant packs) and the tenant packs: swapped as one reference."""

    default: Pack | None
    tenants: Mapping[str, Pack]

    def for_tenant(self, tenant: str) -> Pack | None:
        pack = self.tenants.get(tenant)
        return pack if pack is not None else self.default


def build_pack(
    modules: Sequence[tuple[str, str]],
    data: Mapping[str, Any],
    *,
    revision: str,
    constitution_hash: str,
    decision_package: str,
    cache: ProgramCache | None = None,
) -> Pack:
    """Compile a pack; the decision package's ``deny`` and ``warn`` are its compiled entry points."""
    _check_package(decision_package)
    prefix = f"data.{decision_package}"
    program = CompiledPolicy.compile(
        modules, data, (), optional_entrypoints=(f"{prefix}.deny", f"{prefix}.warn"), cache=cache
    )
    frozen_modules = tuple((str(p), str(t)) for p, t in modules)
    return Pack(
        revision=revision,
        constitution_hash=constitution_hash,
        decision_package=decision_package,
        modules=frozen_modules,
        data=data,
        program=program,
        interpreter=_Interpreter(frozen_modules, data),
    )


def folder_pack(
    policy_dirs: Sequence[Path],
    data_dirs: Sequence[Path],
    *,
    decision_package: str,
    cache: ProgramCache | None = None,
) -> Pack:
    """A pack from policy folders (``.rego`` files, recursively) and data folders or files."""
    from sentinel.runner.loader import find_policies, load_data

    sources = find_policies([str(p) for p in policy_dirs])
    modules: list[tuple[str, str]] = []
    taken: set[str] = set()
    for source in sources:
        name = _relative(source.path, policy_dirs)
        name = name if name not in taken else source.path  # two roots holding the same relative path
        taken.add(name)
        modules.append((name, source.text))
    data = load_data([str(d) for d in data_dirs]) if data_dirs else {}
    digest = content_digest(modules, data)
    return build_pack(
        modules,
        data,
        revision=digest,
        constitution_hash=digest,
        decision_package=decision_package,
        cache=cache,
    )


def tenant_packs(
    root: Path, data_dirs: Sequence[Path], *, decision_package: str, cache: ProgramCache | None = None
) -> dict[str, Pack]:
    """``root/<tenant>/`` -> that tenant's pack (its policies and data files, plus ``data_dirs``)."""
    if not root.is_dir():
        raise UsageError("tenant packs folder does not exist", file=str(root))
    packs: dict[str, Pack] = {}
    for folder in sorted(root.iterdir()):
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        if folder.is_symlink():
            raise PolicyError("a tenant pack must be a folder, not a symbolic link", file=str(folder))
        if not _TENANT.match(folder.name):
            raise PolicyError(f"folder name is not a tenant id ({TENANT_PATTERN})", file=str(folder))
        packs[folder.name] = folder_pack(
            [folder], [*data_dirs, folder], decision_package=decision_package, cache=cache
        )
    if not packs:
        raise UsageError("the tenant packs folder holds no tenant folder", file=str(root))
    return packs


def content_digest(modules: Sequence[tuple[str, str]], data: Mapping[str, Any]) -> str:
    import rfc8785

    document: Any = {"modules": sorted([list(m) for m in modules]), "data": data}
    try:
        canonical = rfc8785.dumps(document)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise PolicyError(f"policy data has no canonical JSON form: {exc}") from None
    return hashlib.sha256(canonical).hexdigest()


def _relative(path: str, roots: Sequence[Path]) -> str:
    """The module's path under the root it was found in (its file name when given directly)."""
    found = Path(path)
    for root in roots:
        if found == root:
            return found.name
        if found.is_relative_to(root):
            return found.relative_to(root).as_posix()
    return found.name


_PACKAGE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _check_package(name: str) -> None:
    if not _PACKAGE.match(name):
        raise UsageError(f"decision package {name!r} is not a dotted Rego package name")
