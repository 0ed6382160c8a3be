"""Does ``sentinel check`` grow linearly with the tree, and does a warm run cost what changed?

Trees: 1, 2 and 4 renamed copies of Django 5.2's source (the ``django`` package and its
``js_tests``, ~3,700 files a copy; the 4x tree holds ~15,000 files), each a fresh git repository
under /tmp/realcode (``django1x``, ``django2x``, ``django4x``), built on first use from the unpacked
sdist (see cache_bench.py). In copy *i* the package is ``django{i}`` and every absolute import of
``django`` in its Python files is rewritten to ``django{i}`` (a ``sed``-like regex), so the copies
are distinct modules, as four packages of one monorepo would be.

Measured, each in its own process, interleaved round by round, medians of wall and CPU (user +
system of the process and its workers):

- cold ``sentinel check --no-cache`` on 1x, 2x and 4x (target: 4x costs at most 4.4x of 1x);
- on the 4x tree, a warm run after changing one file (target: at most 10% of the 4x cold run).

Byte code is written to a private prefix (``PYTHONPYCACHEPREFIX``) so that a shell that sets
``PYTHONDONTWRITEBYTECODE`` does not make every run recompile Sentinel, as an install never does.

Run: .venv/bin/python benchmarks/scale_bench.py [ROUNDS] [SDIST]
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
SDIST = Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/realcode/Django-5.2")
TREES = {n: SDIST.parent / f"django{n}x" for n in (1, 2, 4)}
SENTINEL = Path(sys.executable).with_name("sentinel")
COPIED = ("django/", "js_tests/")
# Files at the top of the sdist, kept once per tree (project metadata the extractors read).
TOP_FILES = ("pyproject.toml", "setup.cfg", "tox.ini", "package.json", "Gruntfile.js", "MANIFEST.in",
             "README.rst", "LICENSE", "AUTHORS")
CHANGED = "django1/utils/text.py"
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-c", "core.fsmonitor="]
IMPORT_RE = re.compile(r"^(\s*)(from|import)\s+django\b", re.MULTILINE)


def build(tree: Path, copies: int) -> None:
    """A fresh git repository holding ``copies`` renamed copies of the sdist's source."""
    if (tree / ".git").is_dir():
        return
    if tree.exists():
        shutil.rmtree(tree)
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=SDIST, capture_output=True, check=True).stdout
    files = [p for p in listed.decode().split("\0") if p]
    for i in range(1, copies + 1):
        for rel in files:
            if not rel.startswith(COPIED):
                continue
            top, _, rest = rel.partition("/")
            target = tree / f"{top}{i}" / rest
            target.parent.mkdir(parents=True, exist_ok=True)
            data = (SDIST / rel).read_bytes()
            if rel.endswith(".py"):
                text = data.decode("utf-8", "surrogateescape")
                data = IMPORT_RE.sub(rf"\g<1>\g<2> django{i}", text).encode("utf-8", "surrogateescape")
            target.write_bytes(data)
    for name in TOP_FILES:
        if (SDIST / name).is_file():
            shutil.copyfile(SDIST / name, tree / name)
    subprocess.run(["git", "init", "-q"], cwd=tree, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=tree, check=True)
    subprocess.run([*GIT, "commit", "-qm", f"{copies} copies of django 5.2"], cwd=tree, check=True)


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "sentinel-scale-bench-pycache")
    return out


def timed(tree: Path, args: list[str], out: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one ``sentinel check`` process in ``tree``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([str(SENTINEL), "check", "-q", "-o", "json", "--out", str(out), *args],
                          cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"sentinel check failed in {tree} ({done.returncode}): {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def count(tree: Path) -> int:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=tree, capture_output=True, check=True).stdout
    return listed.count(b"\0")


def main() -> None:
    for n, tree in TREES.items():
        build(tree, n)
    big = TREES[4]
    changed = big / CHANGED
    original = changed.read_bytes()
    names = [f"cold {n}x" for n in TREES] + ["warm 4x, 1 file changed"]
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    work = Path(tempfile.mkdtemp(prefix="sentinel-scale-bench-"))
    timed(TREES[1], ["--no-cache"], work / "inputs")  # byte code written once, outside the rounds
    try:
        for round_no in range(ROUNDS):
            out = work / "inputs"
            for n, tree in TREES.items():
                results[f"cold {n}x"].append(timed(tree, ["--no-cache"], out))
            cache = work / f"cache-{round_no}"
            timed(big, ["--cache-dir", str(cache)], out)  # fills the cache
            changed.write_bytes(original + f"\n# scale benchmark round {round_no}\n".encode())
            results["warm 4x, 1 file changed"].append(timed(big, ["--cache-dir", str(cache)], out))
            changed.write_bytes(original)
            shutil.rmtree(cache, ignore_errors=True)
    finally:
        changed.write_bytes(original)
        shutil.rmtree(work, ignore_errors=True)
    medians = {name: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
               for name, v in results.items()}
    print(f"sentinel check, medians of {ROUNDS} rounds (wall / CPU seconds)")
    for n, tree in TREES.items():
        wall, cpu = medians[f"cold {n}x"]
        base_wall, base_cpu = medians["cold 1x"]
        print(f"  cold {n}x ({count(tree):>6} files)      {wall:7.2f} / {cpu:7.2f}   "
              f"x{wall / base_wall:4.2f} wall, x{cpu / base_cpu:4.2f} CPU of 1x")
    wall, cpu = medians["warm 4x, 1 file changed"]
    cold_wall, cold_cpu = medians["cold 4x"]
    print(f"  warm 4x, 1 file changed     {wall:7.2f} / {cpu:7.2f}   "
          f"{100 * wall / cold_wall:4.1f}% wall, {100 * cpu / cold_cpu:4.1f}% CPU of cold 4x")
    print("targets: cold 4x <= 4.4x of 1x; warm 4x after one change <= 10% of cold 4x")


if __name__ == "__main__":
    main()
