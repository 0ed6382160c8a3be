"""Compile Rego to an OPA Wasm module with the real compiler (``opa build -t wasm``).

No Python package compiles Rego to Wasm, so the ``opa`` binary is required: found with ``--opa``,
``$SENTINEL_OPA``, ``.tools/bin/opa`` or on PATH. What OPA cannot compile (a syntax error, an
unknown entry point, a rule the Wasm target does not support) fails here with OPA's own message;
so does a module that needs a host builtin Sentinel's host does not provide exactly, so a bundle
that could not be served is never written.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from sentinel.errors import PolicyError, UsageError
from sentinel.runtime.bundles.limits import Limits
from sentinel.runtime.bundles.manifest import Manifest, WasmEntry

WASM_FILE = "policy.wasm"
COMPILE_TIMEOUT_S = 300
_ENTRYPOINT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*$")
_STDERR_LINES = 12


def normalize_entrypoint(entrypoint: str) -> str:
    """``a/b/c`` (``data.a.b.c`` is accepted too); anything else is a usage error."""
    text = entrypoint.strip()
    if text.startswith("data."):
        text = text[len("data.") :].replace(".", "/")
    text = text.strip("/")
    if not _ENTRYPOINT.match(text):
        raise UsageError(f"--entrypoint {entrypoint!r}: expected a rule path such as sentinel/decision/deny")
    return text


def find_compiler(opa: str | None) -> str:
    """The opa binary to run: ``opa`` when given (it must be executable), else the usual places."""
    import os

    from sentinel.runner.opa_engine import INSTALL_HINT, find_opa

    if opa is not None:
        if not (Path(opa).is_file() and os.access(opa, os.X_OK)):
            raise UsageError(f"--opa {opa}: not an executable file")
        return str(Path(opa).resolve())  # opa runs in a temporary working directory
    found = find_opa()
    if found is None:
        raise UsageError(f"building a Wasm bundle needs the opa binary, which was not found; {INSTALL_HINT}")
    return found


def compile_wasm(modules: Mapping[str, bytes], entrypoints: Sequence[str], opa: str, max_bytes: int) -> bytes:
    """The ``policy.wasm`` OPA compiles from ``modules`` (bundle-relative name -> Rego source)."""
    from sentinel.runtime.bundles.archive import read_archive
    from sentinel.runtime.bundles.errors import BundleError
    from sentinel.runtime.bundles.limits import Limits

    if not entrypoints:
        raise UsageError("--target wasm needs at least one --entrypoint (e.g. sentinel/decision/deny)")
    if not modules:
        raise UsageError("--target wasm needs at least one .rego file to compile")
    with tempfile.TemporaryDirectory(prefix="sentinel-wasm-") as tmp:
        source = Path(tmp) / "src"
        for name, content in modules.items():
            target = source / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        output = Path(tmp) / "out.tar.gz"
        argv = [opa, "build", "-t", "wasm", "-o", str(output)]
        for entry in entrypoints:
            argv += ["-e", entry]
        argv.append(
            "src"
        )  # relative: OPA embeds source paths in the module; a temp path breaks reproducibility
        try:
            done = subprocess.run(
                argv, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S, check=False, cwd=tmp
            )
        except subprocess.TimeoutExpired:
            raise PolicyError(f"opa build -t wasm did not finish within {COMPILE_TIMEOUT_S} s") from None
        except OSError as exc:
            raise UsageError(f"cannot run {opa}: {exc.strerror or exc}") from None
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).replace("src/", "").strip().splitlines()
            detail = "\n".join(lines[:_STDERR_LINES])
            raise PolicyError(f"OPA cannot compile these policies to Wasm:\n{detail}")
        try:
            files = read_archive(output.read_bytes(), Limits(max_file_bytes=max_bytes))
        except BundleError as exc:
            raise PolicyError(f"opa build -t wasm wrote an unreadable bundle: {exc}") from None
    wasm = files.get(WASM_FILE)
    if wasm is None:
        raise PolicyError("opa build -t wasm wrote no policy.wasm")
    check_servable(wasm)
    return wasm


def check_servable(wasm: bytes) -> None:
    """Load the module once, as the service would: a host builtin it needs and the host lacks (or
    anything else that would refuse it at load time) fails the build, not the first request."""
    from sentinel.runtime.wasm.decider import WasmLimits, _load_policy
    from sentinel.runtime.wasm.errors import WasmLoadError

    try:
        _load_policy(wasm, {}, WasmLimits(pool_size=1)).close()
    except WasmLoadError as exc:
        raise PolicyError(f"the compiled module could not be served: {exc}") from None


def build_wasm_bundle(
    dirs: Sequence[Path],
    revision: str | None = None,
    ignore: Sequence[str] = (),
    limits: Limits | None = None,
    *,
    entrypoints: Sequence[str],
    opa: str | None = None,
) -> bytes:
    """A reproducible bundle of ``dirs`` (:func:`~sentinel.runtime.bundles.build.build_bundle`) that also
    holds ``policy.wasm``, compiled by ``opa build -t wasm`` for ``entrypoints``, with one manifest
    ``wasm`` entry per entry point (as OPA's own bundles)."""
    from sentinel.runtime.bundles.build import build_bundle

    if not entrypoints:
        raise UsageError("--target wasm needs at least one --entrypoint (such as sentinel/decision/deny)")
    limit = (limits or Limits()).max_file_bytes

    def add_wasm(files: dict[str, bytes], manifest: Manifest) -> tuple[dict[str, bytes], Manifest]:
        if WASM_FILE in files or manifest.wasm:
            raise UsageError("the sources already hold a Wasm module; --target wasm compiles its own")
        wanted = sorted({normalize_entrypoint(e) for e in entrypoints})
        modules = {name: content for name, content in files.items() if name.endswith(".rego")}
        wasm = compile_wasm(modules, wanted, find_compiler(opa), limit)
        # "policy.wasm", not OPA's "/policy.wasm": OPA matches the manifest's module path against the tar
        # member names, and Sentinel's archives name members without the leading slash.
        entries = tuple(WasmEntry(entrypoint=e, module=WASM_FILE) for e in wanted)
        return {**files, WASM_FILE: wasm}, replace(manifest, wasm=entries)

    return build_bundle(dirs, revision, ignore, limits, extend=add_wasm)
