"""The exact bytes an entry's hash covers, and the JSONL line that carries it.

An entry's hash is ``SHA-256(RFC 8785 canonical JSON of the entry without "entry_hash")``, lower-case
hex. The line written to the file is that same canonical text with the member ``"entry_hash":"<hex>"``
appended as the last member, then ``\\n``. A verifier therefore recovers the hash input from the line's
bytes without re-serialising: drop the fixed-length suffix and close the object again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

GENESIS_PREV_HASH = "0" * 64
"""``prev_hash`` of the first v2 entry of a trace."""

HASH_FIELD = "entry_hash"
_SUFFIX_HEAD = b',"entry_hash":"'
_SUFFIX_TAIL = b'"}\n'
SUFFIX_LEN = len(_SUFFIX_HEAD) + 64 + len(_SUFFIX_TAIL)
"""Bytes of ``,"entry_hash":"<64 hex>"}\\n`` at the end of every v2 line."""


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) canonical UTF-8 bytes; raises ``ValueError`` for values JCS cannot represent."""
    import rfc8785

    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, RecursionError) as exc:
        raise ValueError(f"value cannot be canonicalised (RFC 8785): {exc}") from exc


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def encode_entry(body: Mapping[str, Any]) -> tuple[bytes, str]:
    """The JSONL line for ``body`` (an entry without ``entry_hash``) and the entry's hash."""
    if HASH_FIELD in body:
        raise ValueError("the entry to hash must not contain entry_hash")
    canonical = canonical_json(dict(body))
    if not canonical.startswith(b"{") or canonical == b"{}":
        raise ValueError("an entry is a non-empty JSON object")
    digest = sha256_hex(canonical)
    return canonical[:-1] + _SUFFIX_HEAD + digest.encode() + _SUFFIX_TAIL, digest


def split_line(line: bytes) -> tuple[bytes, str] | None:
    """``(hash input, stated entry_hash)`` of a complete v2 line, or None if its tail is not ours."""
    if len(line) <= SUFFIX_LEN + 1 or not line.endswith(_SUFFIX_TAIL):
        return None
    head_at = len(line) - SUFFIX_LEN
    if line[head_at : head_at + len(_SUFFIX_HEAD)] != _SUFFIX_HEAD:
        return None
    stated = line[head_at + len(_SUFFIX_HEAD) : -len(_SUFFIX_TAIL)]
    return line[:head_at] + b"}", stated.decode("ascii", errors="replace")
