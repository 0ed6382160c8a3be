"""The bundle ``.manifest``: revision, roots, metadata, Wasm entry points (OPA's ``Manifest``).

Roots are checked as OPA checks them (``validateAndInjectDefaults``): slashes trimmed, no two roots
overlapping (``a`` and ``a/b`` overlap; ``""`` overlaps everything), every package and every data path
inside a root.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sentinel.runtime.bundles.errors import ManifestError


@dataclass(frozen=True)
class WasmEntry:
    """One ``wasm`` resolver of the manifest: a Wasm module answering one entry point."""

    entrypoint: str
    module: str


@dataclass(frozen=True)
class Manifest:
    revision: str = ""
    roots: tuple[str, ...] = ("",)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    wasm: tuple[WasmEntry, ...] = ()
    rego_version: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The manifest as OPA writes it (field order of OPA's struct; empty fields left out)."""
        out: dict[str, Any] = {"revision": self.revision, "roots": list(self.roots)}
        if self.wasm:
            out["wasm"] = [{"entrypoint": w.entrypoint, "module": w.module} for w in self.wasm]
        if self.rego_version is not None:
            out["rego_version"] = self.rego_version
        for key in sorted(self.extra):
            out[key] = self.extra[key]
        if self.metadata:
            out["metadata"] = dict(self.metadata)
        return out

    def to_bytes(self) -> bytes:
        return json.dumps(
            self.to_json(), separators=(",", ":"), ensure_ascii=False, sort_keys=False
        ).encode()


def segments(path: str) -> list[str]:
    return path.split("/")


def root_contains(root: str, path: Sequence[str]) -> bool:
    """OPA's ``rootContains``: the empty root holds everything; else ``root``'s segments prefix ``path``."""
    parts = segments(root)
    if parts == [""]:
        return True
    return len(parts) <= len(path) and list(path[: len(parts)]) == parts


def roots_contain(roots: Sequence[str], path: Sequence[str]) -> bool:
    return any(root_contains(root, path) for root in roots)


def roots_overlap(a: str, b: str) -> bool:
    return root_contains(a, segments(b)) or root_contains(b, segments(a))


def check_roots(roots: Sequence[str]) -> None:
    for i, first in enumerate(roots):
        for second in roots[i + 1 :]:
            if roots_overlap(first, second):
                raise ManifestError(
                    "roots_overlap", f"manifest has overlapping roots {first!r} and {second!r}"
                )


def _strings(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ManifestError("bad_manifest", f"manifest {what} must be a list of strings")
    return value


def parse_manifest(content: bytes) -> Manifest:
    """Parse and validate ``.manifest`` (JSON, as OPA decodes it)."""
    try:
        raw = json.loads(content.removeprefix(b"\xef\xbb\xbf").decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ManifestError("bad_manifest", ".manifest is not valid JSON") from None
    if not isinstance(raw, dict):
        raise ManifestError("bad_manifest", ".manifest must be a JSON object")
    revision = raw.pop("revision", "")
    if not isinstance(revision, str):
        raise ManifestError("bad_manifest", "manifest revision must be a string")
    roots_value = raw.pop("roots", None)
    roots = ("",) if roots_value is None else tuple(r.strip("/") for r in _strings(roots_value, "roots"))
    check_roots(roots)
    metadata = raw.pop("metadata", None) or {}
    if not isinstance(metadata, dict):
        raise ManifestError("bad_manifest", "manifest metadata must be an object")
    wasm = []
    for entry in raw.pop("wasm", None) or []:
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k, ""), str) for k in ("entrypoint", "module")
        ):
            raise ManifestError(
                "bad_manifest", "manifest wasm entries must be {entrypoint, module} strings"
            )
        wasm.append(WasmEntry(entrypoint=entry.get("entrypoint", ""), module=entry.get("module", "")))
    rego_version = raw.pop("rego_version", None)
    if rego_version is not None and (isinstance(rego_version, bool) or rego_version not in (0, 1)):
        raise ManifestError("bad_manifest", "manifest rego_version must be 0 or 1")
    return Manifest(
        revision=revision,
        roots=roots,
        metadata=metadata,
        wasm=tuple(wasm),
        rego_version=rego_version,
        extra=raw,
    )
