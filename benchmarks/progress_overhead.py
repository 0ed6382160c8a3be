"""What watching a `sentinel check` costs: extraction in one call (the default) against one call per
kind (what `--verbose` and the terminal progress line do, to time and name each kind).

Both run in-process on this repository (or the folder given), interleaved, several rounds;
medians of wall and CPU time (this process's CPU: evaluation workers, if any, are not counted).
The per-kind path walks the file selection once per kind.

    .venv/bin/python benchmarks/progress_overhead.py [folder] [rounds]
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# This folder's secrets.py would shadow the standard library's secrets module.
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]

from sentinel.check import CheckSettings, check_run  # noqa: E402
from sentinel.config import find_config, load_config  # noqa: E402
from sentinel.progress import Progress  # noqa: E402

OUT = str(Path(os.environ.get("TMPDIR", "/tmp")) / "sentinel-bench-inputs")


def once(root: Path, per_kind: bool) -> tuple[float, float]:
    config = load_config(find_config(root))
    sink = io.StringIO()
    wall, cpu = time.perf_counter(), time.process_time()
    with Progress(sink, verbose=per_kind) as progress:
        check_run(config, CheckSettings(root=root, out=OUT, confine_out=False), progress)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    root = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    os.chdir(root)
    once(root, False)  # warm the imports and the file cache
    timings: dict[str, list[tuple[float, float]]] = {"one call (default)": [], "per kind (--verbose)": []}
    for _ in range(rounds):
        timings["one call (default)"].append(once(root, False))
        timings["per kind (--verbose)"].append(once(root, True))
    print(f"sentinel check on {root}, {rounds} rounds interleaved, medians")
    print(f"{'extraction':22} {'wall s':>8} {'cpu s':>8}")
    for name, runs in timings.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"{name:22} {wall:8.3f} {cpu:8.3f}")


if __name__ == "__main__":
    main()
