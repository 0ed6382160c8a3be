"""Whole ``sentinel check`` on a real tree: without the cache, cold cache, warm cache, and warm
after changing one file. Each is its own process; the four are interleaved round by round;
medians of wall and CPU (user + system of the process and its workers).

Tree: Django 5.2's sdist, unpacked outside this repository and committed to a fresh git
repository (prepared on first use with ``pip download`` when TREE does not exist).
Run: .venv/bin/python benchmarks/cache_bench.py [ROUNDS] [TREE] [CODE ...]

Each CODE is a folder holding a ``sentinel`` package (say a ``git archive`` of another
revision) put first on PYTHONPATH: the cached runs of every CODE are interleaved in each round,
so that two versions of the cache are compared on the same machine load. Without CODE, the
installed package. Every CODE also runs once per round without the cache ("no cache").
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
TREE = Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/realcode/Django-5.2")
SENTINEL = Path(sys.executable).with_name("sentinel")
CODES = sys.argv[3:]
CHANGED = "django/utils/text.py"


def prepare(tree: Path) -> None:
    if tree.is_dir():
        return
    download = tree.parent
    download.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "django==5.2", "--no-deps", "--no-binary",
                    ":all:", "-d", str(download)], check=True)
    with tarfile.open(download / "Django-5.2.tar.gz") as archive:
        archive.extractall(download, filter="data")
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run(["git", "init", "-q"], cwd=tree, check=True)
    subprocess.run(["git", "add", "-A"], cwd=tree, check=True)
    subprocess.run([*git, "commit", "-qm", "django 5.2"], cwd=tree, check=True)


def timed(args: list[str], out: Path, code: str | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one ``sentinel check`` process."""
    env = dict(os.environ)
    if code:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [code, env.get("PYTHONPATH")]))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([str(SENTINEL), "check", "-q", "-o", "json", "--out", str(out), *args],
                          cwd=TREE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"sentinel check failed ({done.returncode}): {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    prepare(TREE)
    files = subprocess.run(["git", "ls-files"], cwd=TREE, capture_output=True, text=True, check=True)
    changed = TREE / CHANGED
    original = changed.read_bytes()
    codes: list[str | None] = list(CODES) or [None]
    names = ("no cache", "cold", "warm", "warm, 1 file changed")
    results: dict[str, list[tuple[float, float]]] = {
        label(code, name): [] for code in codes for name in names
    }
    work = Path(tempfile.mkdtemp(prefix="sentinel-cache-bench-"))
    try:
        for round_no in range(ROUNDS):
            out = work / "inputs"
            for n, code in enumerate(codes):
                results[label(code, "no cache")].append(timed(["--no-cache"], out, code))
                cache = ["--cache-dir", str(work / f"cache-{round_no}-{n}")]
                results[label(code, "cold")].append(timed(cache, out, code))
                results[label(code, "warm")].append(timed(cache, out, code))
                changed.write_bytes(original + f"\n# benchmark round {round_no}\n".encode())
                results[label(code, "warm, 1 file changed")].append(timed(cache, out, code))
                changed.write_bytes(original)
    finally:
        changed.write_bytes(original)
        shutil.rmtree(work, ignore_errors=True)
    print(f"sentinel check on {TREE} ({len(files.stdout.splitlines())} files), {ROUNDS} rounds, "
          f"{os.cpu_count()} cores; medians")
    width = max(24, *(len(name) + 2 for name in results))
    print(f"{'run':<{width}}{'wall s':>9}{'CPU s':>9}{'wall % cold':>13}{'CPU % cold':>12}")
    for code in codes:
        cold_wall = statistics.median(w for w, _ in results[label(code, "cold")])
        cold_cpu = statistics.median(c for _, c in results[label(code, "cold")])
        for name, samples in results.items():
            if not name.startswith(label(code, "")):
                continue
            wall = statistics.median(w for w, _ in samples)
            cpu = statistics.median(c for _, c in samples)
            share = f"{100 * wall / cold_wall:>12.0f}%{100 * cpu / cold_cpu:>11.0f}%"
            print(f"{name:<{width}}{wall:>9.2f}{cpu:>9.2f}{share}")


def label(code: str | None, name: str) -> str:
    return f"{code}: {name}" if code else name


if __name__ == "__main__":
    main()
