"""The hash input is exactly what docs/audit.md says: the vectors are hand-written bytes hashed by hashlib."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sentinel.runtime.trace.entry import build_body
from sentinel.runtime.trace.hashing import GENESIS_PREV_HASH, encode_entry, split_line

DOC = Path(__file__).resolve().parents[3] / "docs" / "audit.md"

# Vector 1: the first entry of a trace (prev_hash is 64 zeros). Keys sorted, no spaces.
V1_CANONICAL = (
    b'{"decision":"allow","entry_id":"e-1","evaluation_duration_ms":3,"policy_version":"rev-7",'
    b'"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","risk_level":"low",'
    b'"schema_version":"2.0","seq":0,"session_tags":["s1"],"tenant":"acme"}'
)
V1_HASH = "7a72697754be3c40476f21677606d28b708df136347fcd691ce5f293c0e05990"
# Vector 2: links to vector 1; a float, an escaped quote and newline, a nested object, raw UTF-8 (é).
V2_CANONICAL = (
    '{"decision":"deny","entry_id":"e-2","evaluation_duration_ms":12.5,"note":"a\\"b\\n",'
    '"policy_version":"rev-7","prev_hash":"7a72697754be3c40476f21677606d28b708df136347fcd691ce5f293c0e05990",'
    '"reasons":[{"message":"PII","rule":"no-pii","weight":1000}],"risk_level":"high","schema_version":"2.0",'
    '"seq":1,"session_tags":[],"tenant":"caf\u00e9"}'
).encode()
V2_HASH = "7673f68e39d8404749f63a3e9872c4667ebbcc878585968ace85ff8f1dbc9959"


def _v1_body() -> dict[str, object]:
    return build_body(
        {"tenant": "acme", "decision": "allow"},
        seq=0, prev_hash=GENESIS_PREV_HASH, entry_id="e-1", risk_level="low", policy_version="rev-7",
        session_tags=["s1"], evaluation_duration_ms=3,
    )


def _v2_body() -> dict[str, object]:
    return build_body(
        {"tenant": "café", "decision": "deny", "note": 'a"b\n',
         "reasons": [{"weight": 1000, "rule": "no-pii", "message": "PII"}]},
        seq=1, prev_hash=V1_HASH, entry_id="e-2", risk_level="high", policy_version="rev-7",
        evaluation_duration_ms=12.5,
    )


def test_the_vectors_hash_as_stated() -> None:
    assert hashlib.sha256(V1_CANONICAL).hexdigest() == V1_HASH
    assert hashlib.sha256(V2_CANONICAL).hexdigest() == V2_HASH


def test_an_entry_hashes_its_rfc8785_canonical_json_without_entry_hash() -> None:
    assert encode_entry(_v1_body())[1] == V1_HASH
    assert encode_entry(_v2_body())[1] == V2_HASH


def test_the_line_is_the_canonical_text_with_entry_hash_appended_last() -> None:
    line, _ = encode_entry(_v2_body())
    assert line == V2_CANONICAL[:-1] + b',"entry_hash":"' + V2_HASH.encode() + b'"}\n'


def test_a_verifier_recovers_the_hash_input_from_the_line_bytes() -> None:
    line, _ = encode_entry(_v1_body())
    assert split_line(line) == (V1_CANONICAL, V1_HASH)


def test_a_line_whose_tail_is_not_the_entry_hash_member_is_not_split() -> None:
    assert split_line(b'{"entry_hash":"' + V1_HASH.encode() + b'","seq":0}\n') is None
    assert split_line(b"{}\n") is None


def test_docs_audit_md_lists_the_vectors() -> None:
    text = DOC.read_text()
    for value in (V1_HASH, V2_HASH, V1_CANONICAL.decode(), V2_CANONICAL.decode()):
        assert value in text.replace("\n", "") or value in text
