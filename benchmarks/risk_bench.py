"""Risk classifier speed: one classification of the shipped table, ours beside OPA.

Three implementations, interleaved round by round on the same input document (an ``execute`` step
with high confidence in a ``safe_session``: a table row plus the ceiling, the longest path):

- ``sentinel classify``: the Python API (``RiskClassifier.classify``) as decisions call it: the input
  shaping, then the memo (a repeated input is answered from an LRU) — shown with the memo
  (``memo hit``) and without it (``cache_size=0``: every call runs regorus's compiled program, RVM);
- ``regorus interpreter``: ``Engine.set_input_json`` + ``eval_rule`` on the same policy;
- ``opa bench``: OPA v1.22.4's own benchmark loop in Go (``opa bench -f json``); wall time is its
  ``T/N``, CPU time the child process's CPU (start-up and compile included) divided by ``N``.

Prints medians of ``ROUNDS`` rounds, wall and CPU microseconds per classification.
Run: .venv/bin/python benchmarks/risk_bench.py
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import regorus

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sentinel.runtime.risk import RiskClassifier  # noqa: E402
from sentinel.runtime.risk.classifier import library_risk_dir, policy_modules  # noqa: E402
from testsupport.processes import find_program  # noqa: E402

POLICY = REPO / "policy-as-code" / "runtime" / "risk" / "risk.rego"
DOCUMENT = {
    "prompt_type": "question",
    "confidence": "high",
    "action": "execute",
    "session_tags": ["safe_session"],
}
ROUNDS = 5
CALLS = 3000


def _timed(fn: Callable[[], object], calls: int) -> tuple[float, float]:
    """Wall and CPU microseconds per call over ``calls`` calls."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - wall) / calls * 1e6, (time.process_time() - cpu) / calls * 1e6


def _opa_round(opa: str, input_file: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [
            opa,
            "bench",
            "-f",
            "json",
            "--benchmem=false",
            "--metrics=false",
            "-d",
            str(POLICY),
            "-i",
            str(input_file),
            "data.sentinel.risk.result",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = json.loads(done.stdout)
    n = int(report["N"])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return int(report["T"]) / n / 1e3, cpu / n * 1e6


def main() -> None:
    classifier = RiskClassifier.from_library()
    uncached = RiskClassifier.from_modules(policy_modules(library_risk_dir()), cache_size=0)
    engine = regorus.Engine()
    engine.add_policy_from_file(str(POLICY))
    payload = json.dumps(DOCUMENT)
    args = (DOCUMENT["prompt_type"], DOCUMENT["confidence"], DOCUMENT["action"], DOCUMENT["session_tags"])

    def ours() -> object:
        return uncached.classify(*args)

    def ours_memo() -> object:
        return classifier.classify(*args)

    def interpreter() -> object:
        engine.set_input_json(payload)
        return engine.eval_rule("data.sentinel.risk.result")

    expected = classifier.classify(*args).to_dict()
    assert interpreter() == expected, "the interpreter disagrees with the compiled program"
    opa = find_program("opa")
    samples: dict[str, list[tuple[float, float]]] = {
        "sentinel classify (RVM)": [],
        "sentinel classify, memo hit": [],
        "regorus interpreter": [],
    }
    if opa:
        samples["opa bench (Go)"] = []
    with tempfile.TemporaryDirectory() as tmp:
        input_file = Path(tmp) / "input.json"
        input_file.write_text(payload)
        for _ in range(ROUNDS):
            samples["sentinel classify (RVM)"].append(_timed(ours, CALLS))
            samples["sentinel classify, memo hit"].append(_timed(ours_memo, CALLS))
            samples["regorus interpreter"].append(_timed(interpreter, CALLS))
            if opa:
                samples["opa bench (Go)"].append(_opa_round(opa, input_file))
    print(f"risk classification, median of {ROUNDS} interleaved rounds ({CALLS} calls per round for ours)")
    print(f"{'implementation':<28} {'wall us/op':>11} {'cpu us/op':>10}")
    for name, values in samples.items():
        wall = statistics.median(v[0] for v in values)
        cpu = statistics.median(v[1] for v in values)
        print(f"{name:<28} {wall:>11.1f} {cpu:>10.1f}")
    if not opa:
        print("opa not found (make tools builds it into .tools/bin): OPA column skipped")


if __name__ == "__main__":
    main()
