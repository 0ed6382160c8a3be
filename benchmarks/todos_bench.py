"""TODO markers: ``sentinel extract --kinds todos --no-cache`` against ``rg`` (the peer) on the
same files.

Each run is its own process; the two (and every CODE) are interleaved round by round; medians of
wall and CPU (user + system of the process and its children). The file list is Sentinel's own
selection of the languages the kind reads, handed to ``rg`` as arguments, with the same marker
regular expression (whole upper-case words; ``rg`` does not tell comments from code, so it does
less work than the kind). ``grep -n -E`` stands in when ``rg`` is not installed.

Tree: Django 5.2's package (``django/`` of the sdist unpacked at TREE).
Run: .venv/bin/python benchmarks/todos_bench.py [ROUNDS] [TREE] [CODE ...]
Each CODE is a folder holding a ``sentinel`` package (say a ``git archive`` of another revision),
put first on PYTHONPATH; without CODE, the installed package.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sentinel.extractors.files import language_of
from sentinel.extractors.selection import select_files
from sentinel.extractors.todos import DEFAULT_MARKERS, LANGUAGES

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 7
TREE = Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/realcode/Django-5.2") / "django"
CODES = sys.argv[3:]
MARKER_RE = r"\b(" + "|".join(DEFAULT_MARKERS) + r")\b"


def timed(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one process and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    files = [f for f in select_files(TREE) if language_of(f) in LANGUAGES]
    peer = shutil.which("rg")
    if peer:
        peer_cmd = [peer, "-n", "--no-config", MARKER_RE, "--", *files]
    else:
        peer_cmd = ["grep", "-n", "-E", MARKER_RE, "--", *files]
    sentinel = str(Path(sys.executable).with_name("sentinel"))
    runs: dict[str, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as out:
        peer_name = "rg" if peer else "grep"
        cmds: dict[str, tuple[list[str], dict[str, str] | None]] = {peer_name: (peer_cmd, None)}
        base = [sentinel, "extract", "--kinds", "todos", "--no-cache", "--root", str(TREE), "--out", out]
        for code in CODES or [""]:
            env = dict(os.environ, PYTHONPATH=code) if code else None
            cmds[f"sentinel {code}".strip()] = (base, env)
        for _ in range(ROUNDS):
            for name, (cmd, env) in cmds.items():
                runs.setdefault(name, []).append(timed(cmd, env, TREE))
    print(f"{len(files)} files under {TREE}, {ROUNDS} rounds, medians")
    peer_cpu = statistics.median(c for _, c in runs["rg" if peer else "grep"])
    for name, samples in runs.items():
        wall = statistics.median(w for w, _ in samples)
        cpu = statistics.median(c for _, c in samples)
        print(f"{name:40} wall {wall:6.3f} s  CPU {cpu:6.3f} s  CPU ratio to peer {cpu / peer_cpu:5.1f}x")


if __name__ == "__main__":
    main()
