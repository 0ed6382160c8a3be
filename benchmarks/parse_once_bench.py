"""The source pass (issue 18, item 1): observability, safety, tenancy and tests over a real tree,
without the cache, in one pass versus each kind on its own (how every kind read and parsed the
files before the pass), with the number of ``ast.parse`` and tree-sitter parses.

Each measurement is its own process (``jobs: 1``, so that every parse happens in it and is
counted); the variants are interleaved round by round; medians of wall and CPU.
``--baseline DIR`` adds a third variant: the four kinds with the ``sentinel`` package found in DIR
(e.g. ``git archive <rev> sentinel | tar -x -C DIR``), as one ``run_extractors`` call.

Run: .venv/bin/python benchmarks/parse_once_bench.py [--rounds N] [--tree DIR] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

KINDS = ["observability", "safety", "tenancy", "tests"]


def child(tree: Path, variant: str) -> None:
    """One measurement, in this process: print CPU, wall and parse counts as JSON."""
    counts = {"ast": 0, "tree_sitter": 0}
    real_parse = ast.parse

    def counting_parse(*args: Any, **kwargs: Any) -> Any:
        counts["ast"] += 1
        return real_parse(*args, **kwargs)

    ast.parse = counting_parse
    from sentinel.extractors import treesitter

    real_parser = treesitter.parser

    class CountingParser:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def parse(self, *args: Any, **kwargs: Any) -> Any:
            counts["tree_sitter"] += 1
            return self.inner.parse(*args, **kwargs)

    def counting_parser(grammar: str) -> Any:
        return CountingParser(real_parser(grammar))

    treesitter.parser = counting_parser  # type: ignore[assignment]
    from sentinel.extractors.run import run_extractors

    settings = {"cache": False, "jobs": 1}
    start_cpu, start = time.process_time(), time.perf_counter()
    if variant == "per-kind":
        for kind in KINDS:
            run_extractors(tree, [kind], settings=settings)
    else:
        run_extractors(tree, KINDS, settings=settings)
    print(json.dumps({"cpu": time.process_time() - start_cpu, "wall": time.perf_counter() - start, **counts}))


def measure(tree: Path, variant: str, baseline: Path | None) -> dict[str, float]:
    env = dict(os.environ)
    if variant == "baseline" and baseline is not None:
        env["PYTHONPATH"] = str(baseline)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", variant, "--tree", str(tree)],
        env=env, capture_output=True, text=True, check=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result["process_wall"] = wall
    return dict(result)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tree", type=Path, default=Path("/tmp/realcode/Django-5.2"))
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.tree, args.child)
        return
    variants = ["pass", "per-kind"] + (["baseline"] if args.baseline else [])
    results: dict[str, list[dict[str, float]]] = {v: [] for v in variants}
    for round_ in range(args.rounds):
        for variant in variants if round_ % 2 == 0 else reversed(variants):
            results[variant].append(measure(args.tree, variant, args.baseline))
    print(f"{args.tree}, {args.rounds} rounds, medians (extract = the run_extractors calls only)")
    print(f"{'variant':10} {'extract cpu':>11} {'extract wall':>12} {'process cpu':>11} "
          f"{'process wall':>12} {'ast.parse':>9} {'tree-sitter':>11}")
    for variant, rows in results.items():
        def med(key: str, rows: list[dict[str, float]] = rows) -> float:
            return statistics.median(r[key] for r in rows)

        print(f"{variant:10} {med('cpu'):11.2f} {med('wall'):12.2f} {med('process_cpu'):11.2f} "
              f"{med('process_wall'):12.2f} {med('ast'):9.0f} {med('tree_sitter'):11.0f}")


if __name__ == "__main__":
    main()
