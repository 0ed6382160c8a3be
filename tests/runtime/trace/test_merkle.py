"""The tree is RFC 6962's: the Certificate Transparency reference roots, an independent recursive MTH,
and pymerkle's proofs over our leaves."""

from __future__ import annotations

import hashlib

import pytest
from pymerkle import InvalidProof

from sentinel.runtime.trace.merkle import EMPTY_ROOT, Frontier, new_leaf_tree, root_of

# RFC 6962 test leaves and roots used by certificate-transparency (merkle_tree_test.cc).
CT_LEAVES = [
    b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)), bytes(range(0x60, 0x70)),
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, written out recursively."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


@pytest.mark.parametrize("size", range(1, 9))
def test_the_streaming_root_matches_the_ct_reference_roots(size: int) -> None:
    assert root_of(CT_LEAVES[:size]).hex() == CT_ROOTS[size - 1]


def test_the_streaming_root_matches_the_recursive_definition_for_every_size() -> None:
    leaves = [hashlib.sha256(str(i).encode()).digest() for i in range(130)]
    frontier = Frontier()
    for size in range(131):
        assert frontier.root() == _mth(leaves[:size])
        if size < 130:
            frontier.append(leaves[size])
    assert root_of([]) == EMPTY_ROOT


def test_the_frontier_keeps_one_hash_per_set_bit_of_the_size() -> None:
    frontier = Frontier()
    for i in range(1000):
        frontier.append(i.to_bytes(4, "big"))
    assert len(frontier.hashes()) == bin(1000).count("1")
    resumed = Frontier(1000, frontier.hashes())
    assert resumed.root() == frontier.root()


def test_a_frontier_that_does_not_fit_its_size_is_refused() -> None:
    with pytest.raises(ValueError):
        Frontier(3, [b"\x00" * 32])


def test_pymerkle_over_our_leaves_gives_the_same_root() -> None:
    tree = new_leaf_tree()
    for leaf in CT_LEAVES:
        tree.append_entry(leaf)
    assert tree.get_root().hex() == CT_ROOTS[-1]


def test_inclusion_proofs_hold_for_every_leaf_and_fail_for_another_leaf() -> None:
    leaves = [hashlib.sha256(str(i).encode()).digest() for i in range(21)]
    tree = new_leaf_tree()
    for leaf in leaves:
        tree.append_entry(leaf)
    root = _mth(leaves)
    for index, leaf in enumerate(leaves):
        tree.prove_inclusion(index + 1, 21).verify(hashlib.sha256(b"\x00" + leaf).digest(), root)
    with pytest.raises(InvalidProof):
        tree.prove_inclusion(3, 21).verify(hashlib.sha256(b"\x00" + leaves[4]).digest(), root)


def test_consistency_proofs_hold_between_prefixes_and_fail_for_a_forked_prefix() -> None:
    leaves = [hashlib.sha256(str(i).encode()).digest() for i in range(21)]
    tree = new_leaf_tree()
    for leaf in leaves:
        tree.append_entry(leaf)
    for prior in (1, 5, 8, 13, 21):
        tree.prove_consistency(prior, 21).verify(_mth(leaves[:prior]), _mth(leaves))
    forked = [*leaves[:4], b"forged", *leaves[5:8]]
    with pytest.raises(InvalidProof):
        tree.prove_consistency(8, 21).verify(_mth(forked), _mth(leaves))
