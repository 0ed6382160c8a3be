"""The trace's RFC 6962 Merkle tree: leaf input = the 32 raw bytes of an entry's ``entry_hash``.

Hashing is RFC 6962 section 2.1: ``leaf = SHA-256(0x00 || input)``, ``node = SHA-256(0x01 || l || r)``,
and the tree over n leaves splits at the largest power of two below n. Proofs come from ``pymerkle``
(:class:`LeafHashTree` is a backend of its ``BaseMerkleTree``). :class:`Frontier` is hand-written because
pymerkle keeps every leaf: verifying and writing a long trace needs the root in O(log n) memory,
which only the roots of the perfect subtrees give.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf_input: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf_input).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class Frontier:
    """The roots of the perfect subtrees of a tree of ``size`` leaves, left to right (its compact range).

    Appending a leaf merges equal-sized subtrees as a binary counter carries; the root folds them right
    to left. Memory is one hash per set bit of ``size``.
    """

    __slots__ = ("_stack", "size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if size < 0 or len(hashes) != bin(size).count("1") or any(len(h) != 32 for h in hashes):
            raise ValueError("frontier does not match its tree size")
        self.size = size
        self._stack = list(hashes)

    def append(self, leaf_input: bytes) -> None:
        self.append_leaf_hash(hashlib.sha256(b"\x00" + leaf_input).digest())

    def append_leaf_hash(self, digest: bytes) -> None:
        stack = self._stack
        n = self.size
        while n & 1:
            digest = hashlib.sha256(b"\x01" + stack.pop() + digest).digest()
            n >>= 1
        stack.append(digest)
        self.size += 1

    def hashes(self) -> list[bytes]:
        return list(self._stack)

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        digest = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            digest = node_hash(left, digest)
        return digest


def root_of(leaf_inputs: Iterable[bytes]) -> bytes:
    frontier = Frontier()
    for leaf in leaf_inputs:
        frontier.append(leaf)
    return frontier.root()


def _base_tree() -> type[Any]:
    from pymerkle.core import BaseMerkleTree

    return BaseMerkleTree


def new_leaf_tree() -> Any:
    """A pymerkle tree whose leaves are kept as 32-byte hashes in one ``bytearray`` (32 bytes a leaf)."""

    class LeafHashTree(_base_tree()):  # type: ignore[misc]
        def __init__(self) -> None:
            self._leaves = bytearray()
            super().__init__("sha256")

        def _encode_entry(self, data: bytes) -> bytes:
            return data

        def _store_leaf(self, data: bytes, digest: bytes) -> int:
            self._leaves += digest
            return len(self._leaves) // 32

        def _get_leaf(self, index: int) -> bytes:
            if not 0 < index <= len(self._leaves) // 32:
                raise ValueError(f"{index} not in leaf range")
            return bytes(self._leaves[(index - 1) * 32 : index * 32])

        def _get_leaves(self, offset: int, width: int) -> list[bytes]:
            view = self._leaves
            return [bytes(view[i * 32 : (i + 1) * 32]) for i in range(offset, offset + width)]

        def _get_size(self) -> int:
            return len(self._leaves) // 32

    return LeafHashTree()
