"""A writer process killed with SIGKILL in the middle of a batch: verify reports the truncated last line,
repair cuts it, and the trace verifies and can be continued."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sentinel.runtime.trace.repair import repair_trace
from sentinel.runtime.trace.verify import Reason, verify_trace
from sentinel.runtime.trace.writer import TraceWriter
from tests.runtime.trace.conftest import Keys, decision

REPO = Path(__file__).resolve().parents[3]

# The child writes forever, in batches of 500 entries of ~1 KiB. Each line is normally one write(2),
# which a SIGKILL does not split; max_write=16 bounds each write(2) to 16 bytes (as some network file
# systems do), so the kill lands inside a line as a crash on such a file system (or a power loss) would.
CHILD = """
import sys
from sentinel.runtime.trace.checkpoint import Signer
from sentinel.runtime.trace.writer import TraceWriter

writer = TraceWriter(sys.argv[1], Signer.from_pem(sys.argv[2]), batch_size=500, checkpoint_every=500,
                     buffer_size=64, max_write=16)
i = 0
while True:
    writer.append({"decision": "allow", "n": i, "pad": "x" * 1000})
    i += 1
"""


def _run_until_killed(path: Path, pem: Path, grow_to: int) -> None:
    start = path.stat().st_size if path.exists() else 0
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(pem)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while (not path.exists() or path.stat().st_size < start + grow_to) and time.monotonic() < deadline:
            assert child.poll() is None, "the writer exited on its own"
            time.sleep(0.01)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()


def test_a_writer_killed_mid_batch_leaves_a_truncated_line_that_repair_cuts(
    tmp_path: Path, keys: Keys
) -> None:
    path = tmp_path / "trace.jsonl"
    for _ in range(10):  # a kill landing exactly on a line end is rare; then kill again later
        _run_until_killed(path, keys.pem, grow_to=700_000)
        if not path.read_bytes().endswith(b"\n"):
            break
    report = verify_trace(path, keys.keyset)
    assert report.failure is not None and report.failure.reason == Reason.TRUNCATED_LAST_LINE
    truncated_at = report.failure.seq

    repaired = repair_trace(path)[0]
    assert repaired.removed_bytes > 0 and repaired.saved_to is not None

    report = verify_trace(path, keys.keyset)
    assert report.ok, report.failure
    assert report.entries == truncated_at
    assert report.checkpoints >= 1
    with TraceWriter(path, keys.signer) as writer:
        writer.append(decision(0))
    assert verify_trace(path, keys.keyset).ok
