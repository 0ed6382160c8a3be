"""The decision trace v2: a hash-chained JSONL file with an RFC 6962 Merkle tree and signed checkpoints.

``hashing`` defines the exact hash input, ``entry`` the entry fields, ``merkle`` the tree, ``checkpoint``
the signed tree heads and the keys that verify them, ``writer`` appends, ``verify`` checks a file in
one streaming pass, ``prove`` gives inclusion and consistency proofs, ``migrate`` turns v1 into v2,
``repair`` cuts a crash's truncated last line, and ``sink`` is the decision-log sink adapter.
The format is described in ``docs/audit.md``.
"""
