"""``sentinel bundle build|sign|verify|inspect``: OPA-format policy bundles (flags named as OPA's).

Exit codes: 0 done (verify: the bundle is valid), 1 verification failed (the reason on stderr),
2 usage or input errors. The runtime modules are imported inside the commands, so ``sentinel --help``
never loads them.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import click

from sentinel.errors import UsageError

_MAX_KEY_BYTES = 1024 * 1024
_EXTRA_HINT = "sentinel bundle needs the runtime extra: pip install 'sentinel-policy[runtime]'"
_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


def _need_runtime() -> None:
    for module in ("jwt", "cryptography", "rfc8785"):
        if importlib.util.find_spec(module) is None:
            raise UsageError(_EXTRA_HINT)


def read_small(path: str, what: str) -> bytes:
    """A key or JWKS file, at most 1 MiB; a usage error names the file otherwise."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(_MAX_KEY_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    if len(data) > _MAX_KEY_BYTES:
        raise UsageError(f"{path}: the {what} is larger than {_MAX_KEY_BYTES} bytes")
    return data


def _write(path: str, data: bytes) -> None:
    from sentinel.safe_write import Place, write_file

    write_file(Path(path), data, Place(Path.cwd(), confine=False))


def _as_usage(exc: Exception) -> UsageError:
    return UsageError(str(exc))


@click.group("bundle")
def bundle() -> None:
    """Build, sign, verify and inspect policy bundles in OPA's format (.tar.gz)."""


@bundle.command("build")
@click.argument("dirs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("-o", "--output", required=True, help="Bundle file to write (atomically).")
@click.option("-r", "--revision", default=None, help="Revision to set in the .manifest.")
@click.option("--ignore", multiple=True, help="Glob of file or folder names to leave out (repeatable).")
@click.option(
    "-t",
    "--target",
    type=click.Choice(["rego", "wasm"]),
    default="rego",
    show_default=True,
    help="wasm: also compile the policies with `opa build -t wasm` into policy.wasm.",
)
@click.option(
    "-e",
    "--entrypoint",
    "entrypoints",
    multiple=True,
    help="Rule the Wasm module answers, e.g. sentinel/decision/deny (repeatable; --target wasm).",
)
@click.option("--opa", default=None, help="The opa binary compiling to Wasm (default: .tools/bin, PATH).")
def build(
    dirs: tuple[str, ...],
    output: str,
    revision: str | None,
    ignore: tuple[str, ...],
    target: str,
    entrypoints: tuple[str, ...],
    opa: str | None,
) -> None:
    """Build a reproducible bundle from policy folders: same sources, byte-identical archive."""
    _need_runtime()
    from sentinel.runtime.bundles.build import build_bundle
    from sentinel.runtime.bundles.errors import BundleError

    if target == "rego" and entrypoints:
        raise UsageError("--entrypoint goes with --target wasm")
    try:
        if target == "wasm":
            from sentinel.runtime.wasm.compile import build_wasm_bundle

            archive = build_wasm_bundle(
                [Path(d) for d in dirs], revision=revision, ignore=ignore, entrypoints=entrypoints, opa=opa
            )
        else:
            archive = build_bundle([Path(d) for d in dirs], revision=revision, ignore=ignore)
    except BundleError as exc:
        raise _as_usage(exc) from None
    _write(output, archive)
    click.echo(f"{output}: built ({len(archive)} bytes)")


@bundle.command("sign")
@click.argument("bundle_file", metavar="BUNDLE", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--key",
    "--signing-key",
    "key",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="PEM private key (PKCS#8, PKCS#1 or SEC1; unencrypted).",
)
@click.option("--kid", default="default", show_default=True, help="Key id written into the signature.")
@click.option(
    "--signing-alg",
    type=click.Choice(_ALGORITHMS),
    default=None,
    help="Signature algorithm (default: from the key type: RS256, ES256/384/512, EdDSA).",
)
@click.option("--scope", default=None, help="Scope claim of the signature.")
@click.option("-o", "--output", default=None, help="Write here instead of replacing BUNDLE.")
def sign(
    bundle_file: str, key: str, kid: str, signing_alg: str | None, scope: str | None, output: str | None
) -> None:
    """Sign BUNDLE: write .signatures.json (a JWT over every file's hash) into it."""
    _need_runtime()
    from sentinel.runtime.bundles.build import sign_bundle
    from sentinel.runtime.bundles.errors import BundleError
    from sentinel.runtime.bundles.limits import Limits
    from sentinel.runtime.bundles.reader import read_source
    from sentinel.runtime.bundles.signing import load_signing_key

    try:
        signing_key = load_signing_key(read_small(key, "signing key"), kid, signing_alg)
        signed, content = sign_bundle(read_source(bundle_file, Limits()), signing_key, scope)
    except BundleError as exc:
        raise _as_usage(exc) from None
    target = output or bundle_file
    _write(target, signed)
    click.echo(
        f"{target}: signed with key {kid!r} ({signing_key.algorithm}), "
        f"constitution hash {content.constitution_hash}"
    )


def _keys(key: str | None, kid: str, signing_alg: str | None, jwks: str | None) -> Any:
    from sentinel.runtime.bundles.errors import BundleError
    from sentinel.runtime.bundles.signing import KeySet

    if (key is None) == (jwks is None):
        raise UsageError("give exactly one of --key and --jwks")
    try:
        if jwks is not None:
            return KeySet.from_jwks(read_small(jwks, "JWKS"))
        assert key is not None
        return KeySet.from_pem(read_small(key, "verification key"), kid, signing_alg)
    except BundleError as exc:
        raise _as_usage(exc) from None


@bundle.command("verify")
@click.argument("bundle_file", metavar="BUNDLE", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--key",
    "--verification-key",
    "key",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="PEM public key or certificate (a certificate's dates bound the key).",
)
@click.option(
    "--kid", "--verification-key-id", "kid", default="default", show_default=True, help="Key id of --key."
)
@click.option(
    "--signing-alg",
    type=click.Choice(_ALGORITHMS),
    default=None,
    help="The algorithm pinned to --key (default: from the key type).",
)
@click.option(
    "--jwks",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="JWK Set of trusted keys; each needs 'kid' and 'alg'.",
)
@click.option("--scope", default=None, help="Scope the signature must carry.")
@click.pass_context
def verify(
    ctx: click.Context,
    bundle_file: str,
    key: str | None,
    kid: str,
    signing_alg: str | None,
    jwks: str | None,
    scope: str | None,
) -> None:
    """Verify BUNDLE's signature, exact file set and every hash. Exit 1 with the reason if it fails."""
    _need_runtime()
    from sentinel.runtime.bundles.errors import BundleError
    from sentinel.runtime.bundles.reader import read_bundle

    keys = _keys(key, kid, signing_alg, jwks)
    try:
        result = read_bundle(bundle_file, keys=keys, scope=scope)
    except BundleError as exc:
        click.echo(f"Error: {bundle_file}: verification failed: {exc}", err=True)
        ctx.exit(1)
    click.echo(
        f"{bundle_file}: verified (revision {result.revision!r}, signed by {result.signed_by!r}, "
        f"constitution hash {result.constitution_hash})"
    )


@bundle.command("inspect")
@click.argument("bundle_file", metavar="BUNDLE", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def inspect(bundle_file: str, fmt: str) -> None:
    """Show BUNDLE's revision, roots, files with hashes, constitution hash and signature key ids.

    Nothing is verified here; use ``sentinel bundle verify``."""
    _need_runtime()
    from sentinel.runtime.bundles.archive import read_archive
    from sentinel.runtime.bundles.errors import BundleError
    from sentinel.runtime.bundles.hashing import SIGNATURES_FILE
    from sentinel.runtime.bundles.limits import Limits
    from sentinel.runtime.bundles.reader import read_bundle, read_source
    from sentinel.runtime.bundles.signing import unverified_kid

    try:
        raw = read_source(bundle_file, Limits())
        content = read_bundle(raw)
        signatures = read_archive(raw).get(SIGNATURES_FILE)
    except BundleError as exc:
        raise _as_usage(exc) from None
    kid = unverified_kid(signatures) if signatures is not None else None
    report = {
        "revision": content.revision,
        "roots": list(content.manifest.roots),
        "metadata": dict(content.manifest.metadata),
        "constitution_hash": content.constitution_hash,
        "signatures": [] if signatures is None else [{"kid": kid, "verified": False}],
        "files": [dict(e, size=len(content.files[e["name"]])) for e in content.file_hashes],
    }
    if fmt == "json":
        click.echo(json.dumps(report, indent=2, sort_keys=True))
        return
    out = sys.stdout
    out.write(f"revision: {content.revision}\n")
    out.write(f"roots: {', '.join(repr(r) for r in content.manifest.roots)}\n")
    out.write(f"constitution hash: {content.constitution_hash}\n")
    signed = "none" if signatures is None else f"kid {kid!r} (not verified; run sentinel bundle verify)"
    out.write(f"signatures: {signed}\n")
    out.write(f"files ({len(content.file_hashes)}):\n")
    for entry in content.file_hashes:
        out.write(f"  {entry['hash']}  {entry['name']}\n")
