"""Hostile bytes never crash verify: any change to a trace or its checkpoints is a report, never an
exception, and never a pass unless the bytes are unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.runtime.trace.checkpoint import checkpoints_path
from sentinel.runtime.trace.verify import verify_trace
from tests.runtime.trace.conftest import make_keys, write_trace


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes, Path]:
    folder = tmp_path_factory.mktemp("pristine")
    keys = make_keys(folder / "keys")
    path = write_trace(folder / "t.jsonl", keys.signer, 7)
    return path.read_bytes(), checkpoints_path(path).read_bytes(), keys.jwks


edits = st.tuples(
    st.sampled_from(["trace", "checkpoints"]),
    st.sampled_from(["flip", "delete", "insert", "cut"]),
    st.integers(min_value=0, max_value=10**6),
    st.binary(min_size=1, max_size=8),
)


def _apply(data: bytes, kind: str, at: int, blob: bytes) -> bytes:
    at %= len(data)
    if kind == "flip":
        return data[:at] + bytes([data[at] ^ (blob[0] or 1)]) + data[at + 1 :]
    if kind == "delete":
        return data[:at] + data[at + len(blob) :]
    if kind == "insert":
        return data[:at] + blob + data[at:]
    return data[:at]


@given(edit=edits)
def test_any_edit_is_reported_never_raised(
    tmp_path_factory: pytest.TempPathFactory,
    pristine: tuple[bytes, bytes, Path],
    edit: tuple[str, str, int, bytes],
) -> None:
    from sentinel.runtime.trace.checkpoint import KeySet

    trace_bytes, cp_bytes, jwks = pristine
    folder = tmp_path_factory.mktemp("edit")
    path = folder / "t.jsonl"
    target, kind, at, blob = edit
    new_trace = _apply(trace_bytes, kind, at, blob) if target == "trace" else trace_bytes
    new_cps = _apply(cp_bytes, kind, at, blob) if target == "checkpoints" else cp_bytes
    path.write_bytes(new_trace)
    checkpoints_path(path).write_bytes(new_cps)
    report = verify_trace(path, KeySet.load([jwks]))
    unchanged = (new_trace, new_cps) == (trace_bytes, cp_bytes)
    if not unchanged and target == "trace":
        assert not report.ok, "an edited trace verified"
    if unchanged:
        assert report.ok
