"""Write bundles: collect policy folders into a reproducible archive, and sign an archive.

What a folder contributes (as ``opa build -b``): ``*.rego``, ``data.json``, ``data.yaml``/``data.yml``,
``policy.wasm``, and a ``.manifest`` at the folder's top. Hidden folders (``.git``) and files matching
an ``--ignore`` glob (on the relative path or the base name) are left out; a symlink is refused rather
than followed. Several folders merge; the same relative path in two of them is an error. The result is
read back with :func:`read_bundle` before it is returned, so a bundle that would be refused is never
written.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from sentinel.errors import UsageError
from sentinel.runtime.bundles.archive import write_archive
from sentinel.runtime.bundles.hashing import MANIFEST_FILE, SIGNATURES_FILE
from sentinel.runtime.bundles.limits import Limits
from sentinel.runtime.bundles.manifest import Manifest, parse_manifest
from sentinel.runtime.bundles.reader import Bundle, read_bundle
from sentinel.runtime.bundles.signing import SigningKey, sign_entries, signatures_document

_LOADED_NAMES = frozenset({"data.json", "data.yaml", "data.yml", "policy.wasm"})


def _ignored(rel: str, patterns: Sequence[str]) -> bool:
    base = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(base, p) for p in patterns)


def _wanted(rel: str) -> bool:
    base = rel.rsplit("/", 1)[-1]
    return base.endswith(".rego") or base in _LOADED_NAMES or rel == MANIFEST_FILE


def _read_file(path: Path, limits: Limits) -> bytes:
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        raise UsageError(f"{path}: is a symlink; bundles are built from regular files only")
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{path}: is not a regular file")
    if info.st_size > limits.max_file_bytes:
        raise UsageError(f"{path}: larger than {limits.max_file_bytes} bytes")
    return path.read_bytes()


def collect_sources(
    dirs: Sequence[Path], ignore: Sequence[str] = (), limits: Limits | None = None
) -> dict[str, bytes]:
    """The bundle files of ``dirs`` by bundle-relative name (``/`` separators)."""
    limits = limits or Limits()
    files: dict[str, bytes] = {}
    origin: dict[str, Path] = {}
    for root in dirs:
        if not root.is_dir():
            raise UsageError(f"{root}: not a directory")
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            rel_dir = Path(dirpath).relative_to(root).as_posix()
            prefix = "" if rel_dir == "." else f"{rel_dir}/"
            for name in dirnames:
                if (Path(dirpath) / name).is_symlink():
                    raise UsageError(
                        f"{Path(dirpath) / name}: is a symlink; bundles are built from regular files"
                    )
            dirnames[:] = sorted(
                d for d in dirnames if not d.startswith(".") and not _ignored(f"{prefix}{d}", ignore)
            )
            for name in sorted(filenames):
                rel = f"{prefix}{name}"
                if not _wanted(rel) or _ignored(rel, ignore):
                    continue
                if rel in files:
                    raise UsageError(f"{rel}: present in both {origin[rel]} and {root}")
                files[rel] = _read_file(Path(dirpath) / name, limits)
                origin[rel] = root
                if len(files) > limits.max_files:
                    raise UsageError(f"more than {limits.max_files} files to bundle")
    return files


# A build step over the collected files and manifest (the Wasm build adds policy.wasm and its entries).
Extend = Callable[[dict[str, bytes], Manifest], tuple[dict[str, bytes], Manifest]]


def build_bundle(
    dirs: Sequence[Path],
    revision: str | None = None,
    ignore: Sequence[str] = (),
    limits: Limits | None = None,
    *,
    extend: Extend | None = None,
) -> bytes:
    """A reproducible, unsigned bundle of ``dirs``: the same sources always give the same bytes.

    ``extend`` may add files and manifest entries before the archive is written
    (``sentinel.runtime.wasm.compile.build_wasm_bundle`` adds the compiled ``policy.wasm``)."""
    files = collect_sources(dirs, ignore, limits)
    manifest = parse_manifest(files[MANIFEST_FILE]) if MANIFEST_FILE in files else Manifest()
    if revision is not None:
        manifest = replace(manifest, revision=revision)
    if extend is not None:
        files, manifest = extend(files, manifest)
    files[MANIFEST_FILE] = manifest.to_bytes()
    archive = write_archive(files)
    read_bundle(archive, limits=limits)
    return archive


def sign_bundle(
    archive: bytes, key: SigningKey, scope: str | None = None, limits: Limits | None = None
) -> tuple[bytes, Bundle]:
    """``archive`` with a fresh ``.signatures.json`` over all its files (any old one is replaced)."""
    bundle = read_bundle(archive, limits=limits)
    token = sign_entries(bundle.file_hashes, key, scope)
    files = dict(bundle.files)
    files[SIGNATURES_FILE] = signatures_document(token)
    return write_archive(files), bundle
