"""Read a bundle: bytes or a path in, a validated (and, with keys, verified) :class:`Bundle` out.

A pure function of its input (no cache, no global state), so the sync loop can call it on every
download and activate only what it returns. Order of checks, cheapest first so an unauthenticated
bundle costs little: safe archive, signature (with ``keys``: the one JWT, its pinned key, scope), exact
file set (no added, no missing file), every digest, then layout (manifest, roots, data). Without
``keys`` nothing is verified and ``signed_by`` is None; a service must always pass its keys.
"""

from __future__ import annotations

import hmac
import json
import os
import re
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from sentinel.runtime.bundles.archive import read_archive
from sentinel.runtime.bundles.errors import BundleError, ManifestError, VerificationError
from sentinel.runtime.bundles.hashing import (
    DEFAULT_ALGORITHM,
    MANIFEST_FILE,
    SIGNATURES_FILE,
    base_name,
    constitution_hash,
    file_digest,
    file_entries,
    is_signatures_file,
    load_yaml,
)
from sentinel.runtime.bundles.limits import Limits
from sentinel.runtime.bundles.manifest import (
    Manifest,
    parse_manifest,
    root_contains,
    roots_contain,
    segments,
)
from sentinel.runtime.bundles.signing import KeySet, SignedFiles, parse_signatures, verify_token

_DATA_FILES = frozenset({"data.json", "data.yaml", "data.yml"})
_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_STRING = r'"(?:[^"\\\n]|\\.)*"'
# Comment and blank lines, then `package <ref>`; each repetition ends at a newline (no backtracking blow-up).
_PACKAGE = re.compile(
    r"\A(?:[ \t\r]*(?:#[^\n]*)?\n)*[ \t\r]*package[ \t]+"
    rf"(?P<ref>{_IDENT}(?:\.{_IDENT}|\[[ \t]*{_STRING}[ \t]*\])*)"
)
_REF_PART = re.compile(rf"{_IDENT}|{_STRING}")


@dataclass(frozen=True)
class Bundle:
    """A bundle that passed every check; ``signed_by`` is the verifying key's id (None: not verified)."""

    manifest: Manifest
    modules: list[tuple[str, str]]
    data: dict[str, Any]
    files: dict[str, bytes]
    file_hashes: list[dict[str, str]]
    constitution_hash: str
    signed_by: str | None

    @property
    def revision(self) -> str:
        return self.manifest.revision


def read_source(source: bytes | str | os.PathLike[str], limits: Limits) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    path = Path(source)
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise BundleError("not_a_file", f"{path} is not a regular file")
        with path.open("rb") as handle:
            data = handle.read(limits.max_archive_bytes + 1)
    except OSError as exc:
        raise BundleError("unreadable", f"cannot read {path}: {exc.strerror or exc}") from None
    return data


def package_path(name: str, source: str) -> list[str]:
    """The package of a Rego module as data path segments (``package a["b.c"]`` -> ``["a", "b.c"]``)."""
    match = _PACKAGE.match(source)
    if match is None:
        raise ManifestError("bad_policy", f"{name}: no 'package' declaration at the top")
    return [json.loads(p) if p.startswith('"') else p for p in _REF_PART.findall(match.group("ref"))]


def _check_signature(
    content: dict[str, bytes],
    signatures: bytes | None,
    keys: KeySet,
    scope: str | None,
    now: datetime | None,
) -> SignedFiles:
    """The JWT and the exact file set, checked before any digest is computed (cheap checks first)."""
    if signatures is None:
        raise VerificationError(
            "unsigned", "the bundle has no .signatures.json; a signed bundle is required"
        )
    signed = verify_token(parse_signatures(signatures), keys, scope, now)
    for name in sorted(content):
        if name not in signed.files:
            raise VerificationError("file_not_signed", f"{name} is in the bundle but not in its signature")
    for name in sorted(signed.files):
        if name not in content:
            raise VerificationError("file_missing", f"{name} is in the signature but not in the bundle")
    return signed


def _check_digests(content: dict[str, bytes], digests: dict[str, str], signed: SignedFiles) -> None:
    for name in sorted(content):
        want, algorithm = signed.files[name]
        got = (
            digests[name] if algorithm == DEFAULT_ALGORITHM else file_digest(name, content[name], algorithm)
        )
        if not hmac.compare_digest(want, got):
            raise VerificationError("digest_mismatch", f"{name}: digest does not match its signature")


def _parse_data(name: str, content: bytes) -> Any:
    try:
        text = content.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
        if base_name(name) == "data.json":
            return json.loads(text, parse_constant=_no_constant)
        return load_yaml(content)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ManifestError("bad_data", f"{name}: {type(exc).__name__}") from None
    except yaml.YAMLError as exc:
        raise ManifestError("bad_data", f"{name}: {type(exc).__name__}") from None


def _no_constant(literal: str) -> Any:
    raise ValueError(f"{literal} is not JSON")


def _put(node: dict[str, Any], key: str, value: Any, name: str) -> None:
    """Set ``node[key]``, merging objects; two non-object values at one path conflict (as OPA's merge)."""
    if key in node:
        if isinstance(node[key], dict) and isinstance(value, dict):
            for child_key, child in value.items():
                _put(node[key], child_key, child, name)
            return
        raise ManifestError("data_conflict", f"{name}: data at {key!r} is defined twice")
    node[key] = value


def _merge(target: dict[str, Any], path: list[str], value: Any, name: str) -> None:
    """Mount a data file's value at its folder's path (``a/b/data.json`` -> ``data.a.b``)."""
    if not path:
        if not isinstance(value, dict):
            raise ManifestError("bad_data", f"{name}: top-level data must be an object")
        for key, child in value.items():
            _put(target, key, child, name)
        return
    node = target
    for key in path[:-1]:
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise ManifestError(
                "data_conflict", f"{name}: data at /{'/'.join(path)} conflicts with other data"
            )
        node = child
    _put(node, path[-1], value, name)


def _check_data_roots(data: dict[str, Any], roots: tuple[str, ...]) -> None:
    """OPA's check: every value sits inside a root, or is an object on the way to one."""
    stack: list[tuple[list[str], Any]] = [([], data)]
    while stack:
        path, node = stack.pop()
        if path and roots_contain(roots, path):
            continue
        if not path and roots_contain(roots, [""]):
            continue
        if isinstance(node, dict) and any(root_contains("/".join(path), segments(r)) for r in roots):
            stack.extend(([*path, key], child) for key, child in node.items())
            continue
        raise ManifestError(
            "data_outside_roots", f"data at /{'/'.join(path)} is outside the manifest roots {list(roots)}"
        )


def _layout(content: dict[str, bytes]) -> tuple[Manifest, list[tuple[str, str]], dict[str, Any]]:
    for name in content:
        if base_name(name) == MANIFEST_FILE and name != MANIFEST_FILE:
            raise ManifestError("bad_layout", f"{name}: a manifest belongs at the bundle root")
        if name.endswith(".manifest.pb"):
            raise ManifestError("unsupported_manifest", f"{name}: protobuf manifests are not supported")
    manifest = parse_manifest(content[MANIFEST_FILE]) if MANIFEST_FILE in content else Manifest()
    modules: list[tuple[str, str]] = []
    for name in sorted(content):
        if not name.endswith(".rego"):
            continue
        try:
            source = content[name].decode("utf-8")
        except UnicodeDecodeError:
            raise ManifestError("bad_policy", f"{name}: not UTF-8 text") from None
        package = package_path(name, source)
        if not roots_contain(manifest.roots, package):
            raise ManifestError(
                "policy_outside_roots",
                f"{name}: package {'.'.join(package)} is outside the roots {list(manifest.roots)}",
            )
        modules.append((name, source))
    data: dict[str, Any] = {}
    for name in sorted(content, key=lambda n: (n.count("/"), n)):
        if base_name(name) in _DATA_FILES:
            path = name.split("/")[:-1]
            _merge(data, path, _parse_data(name, content[name]), name)
    _check_data_roots(data, manifest.roots)
    for entry in manifest.wasm:
        if entry.module.removeprefix("/") not in content:
            raise ManifestError(
                "bad_manifest", f"manifest names Wasm module {entry.module!r}, which is missing"
            )
        if not roots_contain(manifest.roots, segments(entry.entrypoint.strip("/"))):
            raise ManifestError(
                "policy_outside_roots", f"Wasm entry point {entry.entrypoint!r} is outside the roots"
            )
    return manifest, modules, data


def read_bundle(
    source: bytes | str | os.PathLike[str],
    *,
    keys: KeySet | None = None,
    scope: str | None = None,
    limits: Limits | None = None,
    now: datetime | None = None,
) -> Bundle:
    """Read, check and (with ``keys``) verify a bundle; raise a :class:`BundleError` with a reason code."""
    limits = limits or Limits()
    files = read_archive(read_source(source, limits), limits)
    signature_names = [n for n in files if is_signatures_file(n)]
    if any(n != SIGNATURES_FILE for n in signature_names):
        raise ManifestError("bad_layout", "a .signatures.json belongs at the bundle root only")
    signatures = files.get(SIGNATURES_FILE)
    if signatures is not None and len(signatures) > limits.max_signatures_bytes:
        raise VerificationError("bad_signatures", ".signatures.json is too large")
    content = {n: b for n, b in files.items() if n != SIGNATURES_FILE}
    signed = _check_signature(content, signatures, keys, scope, now) if keys is not None else None
    entries = file_entries(content)
    if signed is not None:
        _check_digests(content, {e["name"]: e["hash"] for e in entries}, signed)
    try:
        manifest, modules, data = _layout(content)
    except RecursionError:
        raise ManifestError("bad_data", "data is nested too deeply") from None
    return Bundle(
        manifest=manifest,
        modules=modules,
        data=data,
        files=content,
        file_hashes=entries,
        constitution_hash=constitution_hash(entries),
        signed_by=signed.kid if signed is not None else None,
    )
