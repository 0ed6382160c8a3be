"""Progress on stderr: a live line on a real terminal (a pseudo-terminal here) after the delay,
nothing on a pipe or for a short run; ``--verbose`` prints per-step timings."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pytest

from sentinel.progress import Progress, is_terminal
from tests.conftest import GitRepo

Terminal = tuple[TextIO, int]
SENTINEL = str(Path(sys.executable).with_name("sentinel"))


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    """A real pseudo-terminal: the writer end for Progress, the reader end's descriptor."""
    master, slave = pty.openpty()
    stream = os.fdopen(slave, "w", encoding="utf-8")
    try:
        yield stream, master
    finally:
        stream.close()
        os.close(master)


def read_available(fd: int, wait: float) -> str:
    """What the terminal shows within ``wait`` seconds of the first byte, or until it falls quiet for 50 ms.
    Bounded: a live line redrawn faster than every 50 ms would otherwise keep this reading forever."""
    chunks: list[bytes] = []
    deadline: float | None = None
    while select.select([fd], [], [], wait)[0]:
        chunks.append(os.read(fd, 4096))
        now = time.monotonic()
        deadline = deadline or now + max(wait, 0.5)
        if now >= deadline:
            break
        wait = min(0.05, deadline - now)
    return b"".join(chunks).decode("utf-8", errors="replace")


def test_a_pseudo_terminal_is_a_terminal(terminal: Terminal, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm")
    assert is_terminal(terminal[0])


def test_a_dumb_terminal_gets_no_live_line(terminal: Terminal, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")
    assert not is_terminal(terminal[0])


def test_a_string_buffer_is_not_a_terminal() -> None:
    assert not is_terminal(io.StringIO())


def test_a_long_step_shows_its_name_and_elapsed_time_on_the_terminal(terminal: Terminal) -> None:
    stream, master = terminal
    with Progress(stream, live=True, delay=0.0, interval=0.01) as progress, progress.step("extract imports"):
        shown = read_available(master, 5.0)
    assert "sentinel: extract imports... " in shown
    assert shown.rstrip().endswith("s")


def test_the_live_line_is_erased_when_the_run_ends(terminal: Terminal) -> None:
    stream, master = terminal
    with Progress(stream, live=True, delay=0.0, interval=0.01) as progress, progress.step("evaluate"):
        read_available(master, 5.0)
    assert read_available(master, 0.5).endswith("\r\x1b[2K")


def test_a_run_shorter_than_the_delay_prints_nothing(terminal: Terminal) -> None:
    stream, master = terminal
    with Progress(stream, live=True, delay=30.0, interval=0.01) as progress, progress.step("evaluate"):
        pass
    assert read_available(master, 0.2) == ""


def test_verbose_prints_each_step_and_the_total() -> None:
    stream = io.StringIO()
    with Progress(stream, verbose=True) as progress:
        with progress.step("extract imports"):
            pass
        with progress.step("evaluate"):
            pass
    labels = [line.split()[1:-1] for line in stream.getvalue().splitlines()]
    assert labels == [["extract", "imports"], ["evaluate"], ["total"]]


def test_nothing_is_printed_without_terminal_or_verbose() -> None:
    stream = io.StringIO()
    with Progress(stream) as progress, progress.step("evaluate"):
        pass
    assert stream.getvalue() == ""


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    git_repo.write("app/api.py", "import os\n")
    git_repo.write("policy/p.rego", 'package main\n\nwarn contains "w" if { input.kind == "todos" }\n')
    git_repo.commit()
    return git_repo


def run_check(repo: GitRepo, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SENTINEL, "check", "-k", "imports", "-k", "todos", "-p", "policy", "--no-library", *flags],
        cwd=repo.root, capture_output=True, text=True, check=False, timeout=120,
    )


def test_check_verbose_prints_per_kind_timings_on_stderr(repo: GitRepo) -> None:
    proc = run_check(repo, "--verbose")
    assert proc.returncode == 0, proc.stderr
    steps = [line.split()[1:-1] for line in proc.stderr.splitlines() if line.startswith("sentinel: ")]
    assert steps == [["extract", "imports"], ["extract", "todos"], ["evaluate"], ["total"]]


def test_check_through_a_pipe_writes_no_progress(repo: GitRepo) -> None:
    proc = run_check(repo)
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr and "sentinel: " not in proc.stderr
