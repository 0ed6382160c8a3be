"""Inclusion and consistency proofs against signed checkpoints."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from sentinel.runtime.trace.errors import TraceError
from sentinel.runtime.trace.prove import (
    check_consistency,
    check_inclusion,
    consistency_proof,
    inclusion_proof,
)
from tests.runtime.trace.conftest import Keys, entry_hash, lines, make_keys, write_trace


def test_every_entry_has_an_inclusion_proof_that_holds(tmp_path: Path, keys: Keys) -> None:
    path = write_trace(tmp_path / "t.jsonl", keys.signer, 13)
    content = lines(path)
    for seq in range(13):
        proof = inclusion_proof(path, seq)
        assert proof["entry_hash"] == entry_hash(content[seq])
        check_inclusion(proof, keys.keyset)


def test_an_inclusion_proof_for_another_entry_hash_does_not_hold(tmp_path: Path, keys: Keys) -> None:
    path = write_trace(tmp_path / "t.jsonl", keys.signer, 13)
    proof = inclusion_proof(path, 4)
    proof["entry_hash"] = entry_hash(lines(path)[5])
    with pytest.raises(TraceError, match="does not hold"):
        check_inclusion(proof, keys.keyset)


def test_an_inclusion_proof_under_an_untrusted_checkpoint_does_not_hold(tmp_path: Path, keys: Keys) -> None:
    path = write_trace(tmp_path / "t.jsonl", keys.signer, 6)
    with pytest.raises(TraceError, match="not in the key set"):
        check_inclusion(inclusion_proof(path, 2), make_keys(tmp_path / "other").keyset)


def test_an_inclusion_proof_against_an_earlier_checkpoint(tmp_path: Path, keys: Keys) -> None:
    path = write_trace(tmp_path / "t.jsonl", keys.signer, 13)
    proof = inclusion_proof(path, 3, tree_size=5)
    assert proof["checkpoint"]["tree_size"] == 5
    check_inclusion(proof, keys.keyset)


def test_a_seq_beyond_the_checkpoint_has_no_proof(tmp_path: Path, keys: Keys) -> None:
    path = write_trace(tmp_path / "t.jsonl", keys.signer, 6)
    with pytest.raises(TraceError, match="not covered"):
        inclusion_proof(path, 6)


def test_checkpoints_are_consistent(tmp_path: Path, keys: Keys) -> None:
    path = write_trace(tmp_path / "t.jsonl", keys.signer, 13)
    check_consistency(consistency_proof(path, 5, 13), keys.keyset)
    check_consistency(consistency_proof(path, 10, 13), keys.keyset)


def test_a_consistency_proof_with_a_swapped_checkpoint_does_not_hold(tmp_path: Path, keys: Keys) -> None:
    path = write_trace(tmp_path / "t.jsonl", keys.signer, 13)
    proof = consistency_proof(path, 5, 13)
    forged = copy.deepcopy(proof)
    forged["prior"] = consistency_proof(path, 10, 13)["prior"]
    with pytest.raises(TraceError):
        check_consistency(forged, keys.keyset)


def test_a_trace_that_disagrees_with_its_checkpoint_gives_no_proof(tmp_path: Path, keys: Keys) -> None:
    path = write_trace(tmp_path / "t.jsonl", keys.signer, 6)
    content = lines(path)
    content[0], content[1] = content[1], content[0]
    path.write_bytes(b"".join(content))
    with pytest.raises(TraceError, match="does not match its checkpoint"):
        inclusion_proof(path, 2)
