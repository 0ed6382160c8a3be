"""Any JSON payload survives the line format: written entries verify (strictly, as RFC 8785 bytes),
and their hashes are SHA-256 of the JCS text computed by the rfc8785 package itself."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from sentinel.runtime.trace.entry import RESERVED_FIELDS
from sentinel.runtime.trace.verify import verify_trace
from sentinel.runtime.trace.writer import TraceWriter
from tests.runtime.trace.conftest import Keys, make_keys

SAFE = 2**53 - 1
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-SAFE, max_value=SAFE)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
payloads = st.dictionaries(
    st.text(max_size=10).filter(lambda k: k not in RESERVED_FIELDS), values, max_size=5
)


def _as_jcs(text: str) -> int | float:
    """JSON numbers are doubles in JCS: an integer literal beyond 2**53 - 1 is read as a float."""
    return int(text) if abs(int(text)) <= SAFE else float(text)


@pytest.fixture(scope="module")
def module_keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return make_keys(tmp_path_factory.mktemp("keys"))


@given(batch=st.lists(payloads, min_size=1, max_size=4))
def test_any_payload_round_trips_and_verifies_strictly(
    tmp_path_factory: pytest.TempPathFactory, module_keys: Keys, batch: list[dict[str, Any]]
) -> None:
    path = tmp_path_factory.mktemp("prop") / "t.jsonl"
    with TraceWriter(path, module_keys.signer, batch_size=2) as writer:
        hashes = [writer.append(payload) for payload in batch]
    report = verify_trace(path, module_keys.keyset, strict=True)
    assert report.ok, report.failure
    for line, payload, digest in zip(path.read_bytes().splitlines(), batch, hashes, strict=True):
        entry = json.loads(line, parse_int=_as_jcs)
        assert {k: entry[k] for k in payload} == payload
        del entry["entry_hash"]
        assert hashlib.sha256(rfc8785.dumps(entry)).hexdigest() == digest
