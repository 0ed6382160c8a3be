"""repair cuts only an incomplete last line, keeps what it removed and says so."""

from __future__ import annotations

from pathlib import Path

from sentinel.runtime.trace.checkpoint import checkpoints_path
from sentinel.runtime.trace.repair import repair_trace
from sentinel.runtime.trace.verify import verify_trace
from tests.runtime.trace.conftest import Keys, write_trace


def test_a_truncated_last_line_is_cut_and_saved(tmp_path: Path, keys: Keys) -> None:
    path = write_trace(tmp_path / "t.jsonl", keys.signer, 5)
    whole = path.read_bytes()
    partial = b'{"decision":"allow","entry_id":"x","evalua'
    path.write_bytes(whole + partial)
    result = repair_trace(path)[0]
    assert path.read_bytes() == whole
    assert result.removed_bytes == len(partial) and result.line == 6
    assert result.saved_to is not None and result.saved_to.read_bytes() == partial
    assert "removed the incomplete line 6" in result.describe()
    assert verify_trace(path, keys.keyset).ok


def test_a_complete_trace_is_left_alone_and_says_so(tmp_path: Path, keys: Keys) -> None:
    path = write_trace(tmp_path / "t.jsonl", keys.signer, 5)
    before = path.read_bytes()
    results = repair_trace(path)
    assert path.read_bytes() == before
    assert all(r.removed_bytes == 0 and "nothing to repair" in r.describe() for r in results)


def test_a_truncated_checkpoint_line_is_cut_too(tmp_path: Path, keys: Keys) -> None:
    path = write_trace(tmp_path / "t.jsonl", keys.signer, 5)
    cps = checkpoints_path(path)
    cps.write_bytes(cps.read_bytes() + b'{"key_id":"abc')
    results = repair_trace(path)
    assert [r.removed_bytes for r in results] == [0, len(b'{"key_id":"abc')]
    assert verify_trace(path, keys.keyset).ok
