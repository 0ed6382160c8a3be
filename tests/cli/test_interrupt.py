"""Ctrl-C (SIGINT) stops any command with exit 130 and one line, never exit 1 (a policy failure)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

SENTINEL = [sys.executable, "-c", "from sentinel.cli import main; main()"]


def _blocked_reading_a_pipe(pid: int, timeout: float = 60.0) -> None:
    """Wait until the process sleeps in a pipe read (it is then past start-up, handlers in place)."""
    wchan = Path(f"/proc/{pid}/wchan")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if "pipe" in wchan.read_text():
                return
        except OSError:
            break
        time.sleep(0.05)
    time.sleep(2)


def test_sigint_exits_130_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "p.rego").write_text('package main\nimport rego.v1\ndeny contains "x" if false\n')
    proc = subprocess.Popen(
        [*SENTINEL, "test", "-p", "policy", "-"],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _blocked_reading_a_pipe(proc.pid)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert err.strip() == "Error: interrupted"
