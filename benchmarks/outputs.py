"""Render time of every output format for a large result set (median of 7 runs).

Peer: conftest renders the same formats, but it is not installed here and its timings always
include parsing and evaluation, so this prints our absolute numbers only.

    .venv/bin/python benchmarks/outputs.py [findings]
"""

from __future__ import annotations

import statistics
import sys
import time

from sentinel import outputs
from sentinel.outputs.base import OutputOptions
from sentinel.runner.results import CheckResult, Location, Result

RUNS = 7


def results(findings: int) -> list[CheckResult]:
    out = []
    per_file = 50
    for f in range(max(1, findings // per_file)):
        failures = [
            Result(f"module app.m{f} imports app.n{i}: layer 'domain' may not import 'adapters'",
                   loc=Location(f"src/app/m{f}.py", i + 1),
                   metadata={"rule": "architecture.layering.forbidden_import",
                             "category": "architecture", "severity": "high", "fix": "Depend on a port.",
                             "query": "data.architecture.deny"})
            for i in range(per_file)
        ]
        name = f".sentinel/inputs/imports-{f}.json"
        out.append(CheckResult(name, "architecture", successes=20, failures=failures))
    return out


def main() -> None:
    findings = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    data = results(findings)
    options = OutputOptions(no_color=True)
    print(f"{findings} findings, median of {RUNS} runs")
    for name in outputs.names():
        outputter = outputs.get_outputter(name)
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            outputter.render(data, options)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        print(f"{name:9} {median * 1000:8.1f} ms  {findings / median:12,.0f} findings/s")


if __name__ == "__main__":
    main()
