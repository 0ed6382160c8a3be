"""Import graph: ``sentinel extract --kinds imports`` (cold and warm cache) against grimp.

Each command runs in its own process, interleaved round by round, on the same tree; the figures
are medians of CPU time (user + system of the child) and wall time, with the ratio to grimp.

    .venv/bin/python benchmarks/imports_bench.py [ROUNDS] [ROOT:PACKAGE ...]

Default: 5 rounds on Django 5.2 (``/tmp/realcode/Django-5.2``, package ``django``). Sentinel
is given grimp's files (``extract.include: [PACKAGE/**]``); the cache, configuration and output
live in a temporary folder, so the tree is never written. ``SENTINEL_BASELINE`` names a folder
holding another copy of the ``sentinel`` package, timed in the same rounds (before/after).
Bytecode is written (``PYTHONDONTWRITEBYTECODE`` unset), as in an ordinary installation.
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

PYTHON = sys.executable
SENTINEL = str(Path(PYTHON).with_name("sentinel"))
DEFAULT = ["/tmp/realcode/Django-5.2:django"]


def _timed(argv: list[str], cwd: str, env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds of the child, wall seconds); a failing command stops the benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{argv[:4]} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def bench(root: str, package: str, rounds: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="imports-bench-"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    config = work / "conftest.yml"
    config.write_text(f'extract:\n  include: ["{package}/**"]\n')
    extract = [SENTINEL, "extract", "--kinds", "imports", "--root", root, "--out", str(work / "out"),
               "--no-library", "-c", str(config), "--allow-outside-paths"]
    grimp_code = (f"import sys; sys.path.insert(0, {root!r}); import grimp; "
                  f"grimp.build_graph({package!r}, include_external_packages=True, cache_dir=None)")
    try:
        variants = {"sentinel": env}
        baseline = os.environ.get("SENTINEL_BASELINE")
        if baseline:
            variants["baseline"] = {**env, "PYTHONPATH": baseline}
        commands: dict[str, tuple[list[str], dict[str, str]]] = {}
        for label, variant_env in variants.items():
            cache = ["--cache-dir", str(work / f"cache-{label}")]
            commands[f"{label} cold (--no-cache)"] = ([*extract, "--no-cache"], variant_env)
            commands[f"{label} warm cache"] = ([*extract, *cache], variant_env)
            _timed([*extract, *cache], root, variant_env)  # fills the cache (and writes bytecode)
        commands["grimp build_graph"] = ([PYTHON, "-c", grimp_code], env)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(rounds):
            for name, (argv, run_env) in commands.items():
                times[name].append(_timed(argv, root, run_env))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    medians = {name: (statistics.median(c for c, _ in runs), statistics.median(w for _, w in runs))
               for name, runs in times.items()}
    peer_cpu, peer_wall = medians["grimp build_graph"]
    print(f"\n{root} (package {package}), {rounds} rounds, medians")
    print(f"{'command':30} {'CPU s':>8} {'wall s':>8} {'CPU ratio':>10} {'wall ratio':>10}")
    for name, (cpu, wall) in medians.items():
        print(f"{name:30} {cpu:8.3f} {wall:8.3f} {cpu / peer_cpu:9.2f}x {wall / peer_wall:9.2f}x")


def main(argv: list[str]) -> None:
    rounds = int(argv[0]) if argv and argv[0].isdigit() else 5
    targets = [a for a in argv if not a.isdigit()] or DEFAULT
    for target in targets:
        root, _, package = target.rpartition(":")
        bench(root, package, rounds)


if __name__ == "__main__":
    main(sys.argv[1:])
