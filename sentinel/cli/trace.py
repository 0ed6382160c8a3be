"""``sentinel trace`` (verify, migrate, prove, repair, keygen) and ``sentinel audit verify``.

Exit codes: 0 valid, 1 tampered (the first bad entry's seq and the reason), 2 usage or unreadable files.
The runtime modules are imported inside each command, so the CI commands never load them.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sentinel.errors import UsageError

if TYPE_CHECKING:
    from sentinel.runtime.trace.checkpoint import KeySet
    from sentinel.runtime.trace.verify import VerifyReport

_EXTRA = (
    "sentinel trace and sentinel audit need the runtime extra: pip install 'sentinel-policy[runtime]'"
)


_MAX_PROOF_BYTES = 1 << 20


def _require_runtime() -> None:
    try:
        import cryptography  # noqa: F401
        import pymerkle  # noqa: F401
        import rfc8785  # noqa: F401
    except ImportError as exc:
        raise UsageError(_EXTRA) from exc


def _keys(paths: tuple[str, ...]) -> KeySet:
    from sentinel.runtime.trace.checkpoint import KeySet

    if not paths:
        raise UsageError("pass --keys: the JWKS or PEM public keys that sign the checkpoints")
    keys = KeySet.load(list(paths))
    if not len(keys):
        raise UsageError("--keys holds no key")
    return keys


def _report(label: str, path: str, report: VerifyReport, as_json: bool) -> None:
    failure = report.failure
    if as_json:
        doc: dict[str, Any] = {
            "file": path,
            "valid": failure is None,
            "entries": report.entries,
            "v1_ignored": report.v1_ignored,
            "checkpoints": report.checkpoints,
            "uncheckpointed": report.uncheckpointed,
            "root_hash": report.root_hash or None,
        }
        if failure is not None:
            doc["failure"] = {
                "reason": failure.reason.value,
                "seq": failure.seq,
                "line": failure.line,
                "detail": failure.detail,
            }
        click.echo(json.dumps(doc, indent=2))
    elif failure is None:
        notes = []
        if report.v1_ignored:
            notes.append(f"{report.v1_ignored} v1 entries ignored")
        if report.uncheckpointed:
            notes.append(f"{report.uncheckpointed} entries after the last checkpoint (chain only)")
        suffix = f"; {'; '.join(notes)}" if notes else ""
        click.echo(
            f"{path}: valid {label}: {report.entries} entries, {report.checkpoints} checkpoints, "
            f"root {report.root_hash}{suffix}"
        )
    else:
        where = f"seq {failure.seq}" if failure.seq is not None else "checkpoints"
        click.echo(f"{path}: tampered {label}: {where}: {failure.reason.value}: {failure.detail}")
    if failure is not None:
        sys.exit(1)


def _verify(label: str, file: str, keys: tuple[str, ...], checkpoints: str | None, strict: bool,
            output: str) -> None:
    _require_runtime()
    from sentinel.runtime.trace.verify import verify_trace

    report = verify_trace(file, _keys(keys), checkpoints=checkpoints, strict=strict)
    _report(label, file, report, output == "json")


_keys_option = click.option(
    "-k", "--keys", multiple=True, metavar="JWKS|PEM",
    help="Public keys that sign the checkpoints (JWKS or PEM files; repeatable).",
)
_checkpoints_option = click.option(
    "--checkpoints", default=None, metavar="FILE",
    help="Checkpoint file (default: FILE.checkpoints), e.g. a copy kept apart from the trace.",
)
_strict_option = click.option(
    "--strict", is_flag=True, help="Also require RFC 8785 canonical bytes (slower)."
)
_output_option = click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text",
                              show_default=True)


@click.group("trace")
def trace() -> None:
    """The hash-chained decision trace (v2): verify, migrate, prove, repair."""


@trace.command("verify")
@click.argument("file")
@_keys_option
@_checkpoints_option
@_strict_option
@_output_option
def verify_command(
    file: str, keys: tuple[str, ...], checkpoints: str | None, strict: bool, output: str
) -> None:
    """Check the chain, the Merkle tree and the signed checkpoints (0 valid, 1 tampered, 2 error)."""
    _verify("trace", file, keys, checkpoints, strict, output)


@trace.command("migrate")
@click.argument("source")
@click.argument("target")
@click.option("--signing-key", required=True, metavar="PEM", help="Ed25519 private key for the checkpoints.")
@click.option("--checkpoint-every", type=click.IntRange(min=1), default=1000, show_default=True)
def migrate_command(source: str, target: str, signing_key: str, checkpoint_every: int) -> None:
    """Write TARGET, a v2 trace, from the v1 trace SOURCE (never overwrites; a v2 SOURCE is an error)."""
    _require_runtime()
    from sentinel.runtime.trace.checkpoint import Signer
    from sentinel.runtime.trace.migrate import migrate_v1

    count = migrate_v1(source, target, Signer.from_pem(signing_key), checkpoint_every=checkpoint_every)
    click.echo(f"{target}: migrated {count} v1 entries from {source}")


@trace.command("prove")
@click.argument("file")
@click.option("--seq", type=click.IntRange(min=0), default=None, help="Inclusion proof for this entry.")
@click.option("--tree-size", type=click.IntRange(min=1), default=None,
              help="Checkpoint to prove against (default: the last).")
@click.option("--from-size", type=click.IntRange(min=1), default=None,
              help="Consistency proof: prior checkpoint.")
@click.option("--to-size", type=click.IntRange(min=1), default=None,
              help="Consistency proof: later checkpoint.")
def prove_command(file: str, seq: int | None, tree_size: int | None, from_size: int | None,
                  to_size: int | None) -> None:
    """Print an inclusion proof (--seq) or a consistency proof (--from-size/--to-size) as JSON."""
    _require_runtime()
    from sentinel.runtime.trace.prove import consistency_proof, inclusion_proof

    if seq is not None and from_size is None and to_size is None:
        click.echo(json.dumps(inclusion_proof(file, seq, tree_size=tree_size), indent=2))
    elif seq is None and tree_size is None and from_size is not None and to_size is not None:
        click.echo(json.dumps(consistency_proof(file, from_size, to_size), indent=2))
    else:
        raise UsageError("pass --seq N [--tree-size S], or --from-size A --to-size B")


@trace.command("check-proof")
@click.argument("proof")
@_keys_option
def check_proof_command(proof: str, keys: tuple[str, ...]) -> None:
    """Check a proof printed by `sentinel trace prove` against its signed checkpoint(s) (0 holds, 1 not)."""
    _require_runtime()
    from sentinel.runtime.trace.errors import TraceError
    from sentinel.runtime.trace.prove import check_consistency, check_inclusion

    key_set = _keys(keys)
    try:
        with Path(proof).open("rb") as fh:
            raw = fh.read(_MAX_PROOF_BYTES + 1)
        if len(raw) > _MAX_PROOF_BYTES:
            raise UsageError(f"{proof}: larger than {_MAX_PROOF_BYTES} bytes; not a proof")
        doc = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise UsageError(f"{proof}: not a readable JSON proof") from exc
    if not isinstance(doc, dict):
        raise UsageError(f"{proof}: not a proof object")
    try:
        (check_inclusion if "checkpoint" in doc else check_consistency)(doc, key_set)
    except TraceError as exc:
        click.echo(f"{proof}: does not hold: {exc}")
        sys.exit(1)
    click.echo(f"{proof}: holds")


@trace.command("repair")
@click.argument("file")
def repair_command(file: str) -> None:
    """Cut a truncated last line (a crash mid-write) back to the last complete entry, saying what went."""
    _require_runtime()
    from sentinel.runtime.trace.repair import repair_trace

    for result in repair_trace(file):
        click.echo(result.describe())


@trace.command("keygen")
@click.argument("private_pem")
@click.argument("public_jwks")
def keygen_command(private_pem: str, public_jwks: str) -> None:
    """Write a new Ed25519 checkpoint key: PRIVATE_PEM (mode 0600) and PUBLIC_JWKS (never overwrites)."""
    _require_runtime()
    from sentinel.runtime.trace.checkpoint import generate_key

    pem, jwks = generate_key()
    for target in (private_pem, public_jwks):
        if os.path.lexists(target):
            raise UsageError(f"{target}: already exists; keygen never overwrites a key")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    fd = os.open(private_pem, flags, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    fd = os.open(public_jwks, flags, 0o644)
    with os.fdopen(fd, "w") as fh:
        fh.write(json.dumps(jwks, indent=2) + "\n")
    click.echo(f"{private_pem}: private key; {public_jwks}: public key id {jwks['keys'][0]['kid']}")


@click.group("audit")
def audit() -> None:
    """The audit log (a v2 trace of audit events)."""


@audit.command("verify")
@click.argument("file")
@_keys_option
@_checkpoints_option
@_strict_option
@_output_option
def audit_verify_command(file: str, keys: tuple[str, ...], checkpoints: str | None, strict: bool,
                         output: str) -> None:
    """Check the audit log's chain, Merkle tree and signed checkpoints (0 valid, 1 tampered, 2 error)."""
    _verify("audit log", file, keys, checkpoints, strict, output)
