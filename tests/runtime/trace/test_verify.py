"""verify: a valid trace passes; each way an attacker or a crash changes it is named with the first bad
seq."""

from __future__ import annotations

import json
from pathlib import Path

from sentinel.runtime.trace.checkpoint import checkpoints_path
from sentinel.runtime.trace.verify import Reason, verify_trace
from sentinel.runtime.trace.writer import TraceWriter
from tests.runtime.trace.conftest import Keys, decision, entry_hash, lines, make_keys, rehash, write_trace


def _trace(tmp_path: Path, keys: Keys, count: int = 12) -> Path:
    return write_trace(tmp_path / "trace.jsonl", keys.signer, count)


def _failure(path: Path, keys: Keys) -> tuple[Reason, int | None]:
    report = verify_trace(path, keys.keyset)
    assert report.failure is not None, "tampering went unnoticed"
    return report.failure.reason, report.failure.seq


def test_a_written_trace_verifies(tmp_path: Path, keys: Keys) -> None:
    report = verify_trace(_trace(tmp_path, keys), keys.keyset)
    assert report.ok
    assert (report.entries, report.checkpoints, report.uncheckpointed, report.v1_ignored) == (12, 3, 0, 0)


def test_a_field_changed_without_rehashing_is_a_changed_field_at_its_seq(tmp_path: Path, keys: Keys) -> None:
    path = _trace(tmp_path, keys)
    content = lines(path)
    content[4] = content[4].replace(b'"decision":"allow"', b'"decision":"deny!"')
    path.write_bytes(b"".join(content))
    assert _failure(path, keys) == (Reason.CHANGED_FIELD, 4)


def test_a_field_changed_and_rehashed_is_a_changed_field_at_its_seq(tmp_path: Path, keys: Keys) -> None:
    path = _trace(tmp_path, keys)
    content = lines(path)
    doc = json.loads(content[6])
    doc["decision"] = "allow" if doc["decision"] == "deny" else "deny"
    content[6] = rehash(doc)
    path.write_bytes(b"".join(content))
    assert _failure(path, keys) == (Reason.CHANGED_FIELD, 6)


def test_the_last_checkpointed_entry_changed_and_rehashed_is_a_root_mismatch(
    tmp_path: Path, keys: Keys
) -> None:
    path = _trace(tmp_path, keys, count=10)
    content = lines(path)
    doc = json.loads(content[9])
    doc["score"] = 0
    content[9] = rehash(doc)
    path.write_bytes(b"".join(content))
    assert _failure(path, keys) == (Reason.ROOT_MISMATCH, 9)


def test_two_swapped_lines_are_a_swapped_order_at_the_first_displaced_seq(tmp_path: Path, keys: Keys) -> None:
    path = _trace(tmp_path, keys)
    content = lines(path)
    content[3], content[4] = content[4], content[3]
    path.write_bytes(b"".join(content))
    assert _failure(path, keys) == (Reason.SWAPPED_ORDER, 3)


def test_a_deleted_line_is_a_deleted_entry_at_its_seq(tmp_path: Path, keys: Keys) -> None:
    path = _trace(tmp_path, keys)
    content = lines(path)
    del content[7]
    path.write_bytes(b"".join(content))
    assert _failure(path, keys) == (Reason.DELETED_ENTRY, 7)


def test_an_inserted_entry_with_a_valid_looking_hash_is_an_inserted_entry(tmp_path: Path, keys: Keys) -> None:
    path = _trace(tmp_path, keys)
    content = lines(path)
    forged = json.loads(content[5])
    forged.update(decision="allow", score=1, entry_id="forged")
    content.insert(5, rehash(forged))  # same seq 5, links to entry 4, hash recomputed
    path.write_bytes(b"".join(content))
    assert _failure(path, keys) == (Reason.INSERTED_ENTRY, 5)


def test_an_inserted_entry_that_links_nowhere_is_an_inserted_entry(tmp_path: Path, keys: Keys) -> None:
    path = _trace(tmp_path, keys)
    content = lines(path)
    forged = json.loads(content[5])
    forged.update(prev_hash="ab" * 32, entry_id="forged")
    content.insert(5, rehash(forged))
    path.write_bytes(b"".join(content))
    assert _failure(path, keys) == (Reason.INSERTED_ENTRY, 5)


def test_a_repeated_line_is_a_duplicate_seq(tmp_path: Path, keys: Keys) -> None:
    path = _trace(tmp_path, keys)
    content = lines(path)
    content.insert(3, content[2])
    path.write_bytes(b"".join(content))
    assert _failure(path, keys) == (Reason.DUPLICATE_SEQ, 2)


def test_a_cut_tail_is_found_against_the_last_checkpoint(tmp_path: Path, keys: Keys) -> None:
    path = _trace(tmp_path, keys)
    path.write_bytes(b"".join(lines(path)[:8]))
    assert _failure(path, keys) == (Reason.CUT_TAIL, 8)


def test_a_trace_rewritten_after_a_point_is_a_root_mismatch(tmp_path: Path, keys: Keys) -> None:
    path = _trace(tmp_path, keys)
    content = lines(path)
    prev = entry_hash(content[1])
    for i in range(2, len(content)):  # the attacker re-chains every later entry consistently
        doc = json.loads(content[i])
        doc["prev_hash"] = prev
        if i == 2:
            doc["score"] = 0
        content[i] = rehash(doc)
        prev = entry_hash(content[i])
    path.write_bytes(b"".join(content))
    assert _failure(path, keys) == (Reason.ROOT_MISMATCH, 4)


def test_a_whole_trace_replaced_and_signed_by_another_key_is_an_unknown_key(
    tmp_path: Path, keys: Keys
) -> None:
    path = _trace(tmp_path, keys)
    mallory = make_keys(tmp_path / "mallory")
    path.unlink()
    checkpoints_path(path).unlink()
    write_trace(path, mallory.signer, 12)
    assert _failure(path, keys) == (Reason.UNKNOWN_KEY, 4)


def test_a_checkpoint_signed_by_another_key_under_our_key_id_is_a_bad_signature(
    tmp_path: Path, keys: Keys
) -> None:
    path = _trace(tmp_path, keys)
    mallory = make_keys(tmp_path / "mallory")
    mallory.signer.key_id = keys.signer.key_id
    path.unlink()
    checkpoints_path(path).unlink()
    write_trace(path, mallory.signer, 12)
    assert _failure(path, keys) == (Reason.BAD_SIGNATURE, 4)


def test_a_changed_checkpoint_root_is_a_bad_signature(tmp_path: Path, keys: Keys) -> None:
    path = _trace(tmp_path, keys)
    cps = checkpoints_path(path)
    content = lines(cps)
    doc = json.loads(content[1])
    doc["root_hash"] = "00" * 32
    content[1] = json.dumps(doc).encode() + b"\n"
    cps.write_bytes(b"".join(content))
    assert _failure(path, keys) == (Reason.BAD_SIGNATURE, 9)


def test_a_truncated_last_line_is_reported_at_the_seq_it_would_have(tmp_path: Path, keys: Keys) -> None:
    path = _trace(tmp_path, keys)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])
    assert _failure(path, keys) == (Reason.TRUNCATED_LAST_LINE, 11)


def test_an_invalid_json_line_is_reported(tmp_path: Path, keys: Keys) -> None:
    path = _trace(tmp_path, keys)
    content = lines(path)
    content[2] = b'{"seq": 2, "oops\n'
    path.write_bytes(b"".join(content))
    assert _failure(path, keys) == (Reason.INVALID_JSON, 2)


def test_a_v2_entry_missing_a_field_is_reported(tmp_path: Path, keys: Keys) -> None:
    path = _trace(tmp_path, keys)
    content = lines(path)
    doc = json.loads(content[3])
    del doc["risk_level"]
    content[3] = rehash(doc)
    path.write_bytes(b"".join(content))
    assert _failure(path, keys) == (Reason.MISSING_FIELD, 3)


def test_a_trace_without_any_checkpoint_does_not_verify(tmp_path: Path, keys: Keys) -> None:
    path = _trace(tmp_path, keys)
    checkpoints_path(path).unlink()
    assert _failure(path, keys) == (Reason.NO_CHECKPOINT, None)


def test_a_checkpoint_with_an_impossible_time_is_a_bad_checkpoint(tmp_path: Path, keys: Keys) -> None:
    path = _trace(tmp_path, keys)
    cps = checkpoints_path(path)
    content = lines(cps)
    doc = json.loads(content[0])
    doc["timestamp"] = "2026-13-45T25:61:00Z"
    content[0] = json.dumps(doc).encode() + b"\n"
    cps.write_bytes(b"".join(content))
    assert _failure(path, keys) == (Reason.BAD_CHECKPOINT, None)


def test_a_non_canonical_entry_fails_only_strict_verification(tmp_path: Path, keys: Keys) -> None:
    path = _trace(tmp_path, keys, count=5)
    content = lines(path)
    spaced = content[4].replace(b'"score":', b'"score": ', 1)  # same value, other bytes, rehashed
    body = spaced[: -len(b',"entry_hash":"' + b"0" * 64 + b'"}\n')] + b"}"
    import hashlib

    digest = hashlib.sha256(body).hexdigest().encode()
    content[4] = body[:-1] + b',"entry_hash":"' + digest + b'"}\n'
    path.write_bytes(b"".join(content))
    checkpoints_path(path).unlink()
    with TraceWriter(tmp_path / "other.jsonl", keys.signer):
        pass
    report = verify_trace(path, keys.keyset, strict=True, require_checkpoint=False)
    assert report.failure is not None and report.failure.reason == Reason.NOT_CANONICAL
    assert verify_trace(path, keys.keyset, require_checkpoint=False).ok


def test_entries_after_the_last_checkpoint_are_counted_as_chain_only(tmp_path: Path, keys: Keys) -> None:
    path = _trace(tmp_path, keys, count=10)
    writer = TraceWriter(path, keys.signer, batch_size=1, checkpoint_every=100)
    writer.append(decision(10))
    writer.append(decision(11))  # written and fsynced; the writer "crashes" before its checkpoint
    report = verify_trace(path, keys.keyset)
    assert report.ok and report.uncheckpointed == 2


def test_a_huge_line_is_refused_without_reading_it_whole(tmp_path: Path, keys: Keys) -> None:
    path = _trace(tmp_path, keys, count=5)
    with path.open("ab") as fh:
        fh.write(b'{"x":"' + b"a" * (2 << 20) + b'"}\n')
    assert _failure(path, keys) == (Reason.LINE_TOO_LONG, 5)


def test_both_files_cut_back_to_an_earlier_checkpoint_are_caught_by_a_kept_copy(
    tmp_path: Path, keys: Keys
) -> None:
    path = _trace(tmp_path, keys)
    kept = tmp_path / "published.checkpoints"
    kept.write_bytes(checkpoints_path(path).read_bytes())
    path.write_bytes(b"".join(lines(path)[:5]))
    checkpoints_path(path).write_bytes(lines(checkpoints_path(path))[0])
    assert verify_trace(path, keys.keyset).ok  # the files alone agree with each other
    report = verify_trace(path, keys.keyset, checkpoints=kept)
    assert report.failure is not None and (report.failure.reason, report.failure.seq) == (Reason.CUT_TAIL, 5)
