"""Inclusion proofs (one entry in a checkpointed tree) and consistency proofs (between two checkpoints).

Proofs are pymerkle's RFC 6962 proofs in its serialised form, beside the signed checkpoint they are
checked against. Building one keeps 32 bytes per entry in memory (the leaf hashes up to the tree size).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

from sentinel.runtime.trace.checkpoint import (
    BadSignatureError,
    Checkpoint,
    CheckpointFormatError,
    KeySet,
    UnknownKeyError,
    checkpoints_path,
    iter_checkpoint_lines,
    parse_checkpoint,
)
from sentinel.runtime.trace.entry import MAX_ENTRY_BYTES
from sentinel.runtime.trace.errors import TraceError
from sentinel.runtime.trace.hashing import split_line
from sentinel.runtime.trace.merkle import leaf_hash, new_leaf_tree

_MISMATCH = "the trace does not match its checkpoint; run `sentinel trace verify`"


def _checkpoints(trace: Path) -> list[Checkpoint]:
    path = checkpoints_path(trace)
    found: list[Checkpoint] = []
    try:
        for number, raw in iter_checkpoint_lines(path):
            try:
                found.append(parse_checkpoint(orjson.loads(raw)))
            except (orjson.JSONDecodeError, CheckpointFormatError) as exc:
                raise TraceError(f"checkpoint line {number} is malformed: {exc}", file=str(path)) from exc
    except OSError as exc:
        raise TraceError(f"cannot read checkpoints: {exc.strerror}", file=str(path)) from exc
    if not found:
        raise TraceError("no checkpoint: a proof needs a signed tree head", file=str(path))
    return found


def _tree(trace: Path, size: int) -> tuple[Any, dict[int, str]]:
    """The pymerkle tree of the first ``size`` v2 entries and their hashes by seq."""
    tree = new_leaf_tree()
    hashes: dict[int, str] = {}
    try:
        with trace.open("rb") as fh:
            number = 0
            while tree.get_size() < size:
                raw = fh.readline(MAX_ENTRY_BYTES + 1)
                number += 1
                if not raw or not raw.endswith(b"\n"):
                    raise TraceError(f"the trace ends before {size} entries; run `sentinel trace verify`",
                                     file=str(trace))
                if b'"schema_version":' not in raw:
                    continue
                parts = split_line(raw)
                if parts is None:
                    message = "not a v2 entry; run `sentinel trace verify`"
                    raise TraceError(message, file=str(trace), line=number)
                hashes[tree.get_size()] = parts[1]
                tree.append_entry(bytes.fromhex(parts[1]))
    except OSError as exc:
        raise TraceError(f"cannot read: {exc.strerror}", file=str(trace)) from exc
    return tree, hashes


def _pick(checkpoints: list[Checkpoint], size: int | None, trace: Path) -> Checkpoint:
    if size is None:
        return checkpoints[-1]
    for cp in checkpoints:
        if cp.tree_size == size:
            return cp
    raise TraceError(f"no checkpoint has tree size {size}", file=str(trace))


def _public(cp: Checkpoint) -> dict[str, Any]:
    return {**cp.signed_fields(), "signature": cp.signature}


def inclusion_proof(
    path: str | os.PathLike[str], seq: int, *, tree_size: int | None = None
) -> dict[str, Any]:
    """Proof that entry ``seq`` is in the tree of a checkpoint (default: the last one)."""
    trace = Path(path)
    cp = _pick(_checkpoints(trace), tree_size, trace)
    if not 0 <= seq < cp.tree_size:
        message = f"seq {seq} is not covered by the checkpoint of size {cp.tree_size}"
        raise TraceError(message, file=str(trace))
    tree, hashes = _tree(trace, cp.tree_size)
    if tree.get_root(cp.tree_size).hex() != cp.root_hash:
        raise TraceError(_MISMATCH, file=str(trace))
    proof = tree.prove_inclusion(seq + 1, cp.tree_size)
    return {"seq": seq, "entry_hash": hashes[seq], "proof": proof.serialize(), "checkpoint": _public(cp)}


def consistency_proof(path: str | os.PathLike[str], prior_size: int, later_size: int) -> dict[str, Any]:
    """Proof that the checkpoint of ``later_size`` extends the one of ``prior_size``."""
    trace = Path(path)
    checkpoints = _checkpoints(trace)
    prior, later = _pick(checkpoints, prior_size, trace), _pick(checkpoints, later_size, trace)
    if prior.tree_size > later.tree_size:
        raise TraceError("the prior checkpoint must not be larger than the later one", file=str(trace))
    tree, _ = _tree(trace, later.tree_size)
    if tree.get_root(later.tree_size).hex() != later.root_hash:
        raise TraceError(_MISMATCH, file=str(trace))
    proof = tree.prove_consistency(prior.tree_size, later.tree_size)
    return {"proof": proof.serialize(), "prior": _public(prior), "later": _public(later)}


def _signed(doc: object, keys: KeySet) -> Checkpoint:
    try:
        cp = parse_checkpoint(doc)
        keys.verify(cp)
    except (CheckpointFormatError, UnknownKeyError, BadSignatureError) as exc:
        raise TraceError(f"proof checkpoint: {exc}") from exc
    return cp


def check_inclusion(doc: dict[str, Any], keys: KeySet) -> None:
    """Raise :class:`TraceError` unless ``doc`` proves its entry under a checkpoint signed by ``keys``."""
    from pymerkle import InclusionProof, InvalidProof

    cp = _signed(doc.get("checkpoint"), keys)
    try:
        proof = InclusionProof.deserialize(doc["proof"])
        meta = doc["proof"]["metadata"]
        if meta["index"] != doc["seq"] + 1 or meta["size"] != cp.tree_size:
            raise TraceError("the proof is for another position or tree size")
        proof.verify(leaf_hash(bytes.fromhex(doc["entry_hash"])), bytes.fromhex(cp.root_hash))
    except (InvalidProof, KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise TraceError(f"inclusion proof does not hold: {exc}") from exc


def check_consistency(doc: dict[str, Any], keys: KeySet) -> None:
    """Raise :class:`TraceError` unless ``doc`` proves the later checkpoint extends the prior one."""
    from pymerkle import ConsistencyProof, InvalidProof

    prior, later = _signed(doc.get("prior"), keys), _signed(doc.get("later"), keys)
    try:
        proof = ConsistencyProof.deserialize(doc["proof"])
        meta = doc["proof"]["metadata"]
        if meta["prior_size"] != prior.tree_size or meta["size"] != later.tree_size:
            raise TraceError("the proof is for other tree sizes")
        proof.verify(bytes.fromhex(prior.root_hash), bytes.fromhex(later.root_hash))
    except (InvalidProof, KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise TraceError(f"consistency proof does not hold: {exc}") from exc
