"""Runner speed: `sentinel test` on 250 / 1,000 / 4,000 JSON inputs with 30 rules in 5 namespaces.

Prints medians of 5 runs, the ratio against a bare loop that feeds the same inputs to one
regorus engine (runner overhead; the loop timed in-process, and as a script of its own so that
interpreter start-up counts on both sides), and the growth from 1,000 to 4,000 files (linearity).
`sentinel test` writes JSON output; the bare loop writes nothing.
When the real conftest is found (.tools/bin from `make tools`, or PATH), a second table runs it on
the 1,000 and 4,000 inputs, interleaved run for run with `sentinel test` and, when the opa binary
is found, `sentinel test --engine opa` (the OPA adapter): median wall and CPU seconds, then the
ratios Sentinel/conftest (target: conftest at least 20x slower at 1,000 inputs) and
Sentinel/bare-regorus (target 1.3x).
Run: .venv/bin/python benchmarks/runner_bench.py
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import regorus

SIZES = (250, 1000, 4000)
RUNS = 5
NAMESPACES = ("k8s.workloads", "k8s.network", "security", "cost", "hygiene")


def policies() -> dict[str, str]:
    """30 rules: 6 per namespace, a mix of deny/warn, objects and strings, with iteration."""
    out = {}
    for n, ns in enumerate(NAMESPACES):
        rules = [f"package {ns}", "import rego.v1"]
        for i in range(6):
            head = "deny" if i % 3 else "warn"
            suffix = f"_{ns.replace('.', '_')}_{i}"
            rules.append(
                f'{head}{suffix} contains {{"msg": sprintf("container %s breaks rule {n}.{i}", [c.name]), '
                f'"rule": "{ns}.r{i}", "severity": "high"}} if {{\n'
                f"    some c in input.spec.containers\n"
                f"    c.limits.cpu > {100 + i * 50}\n"
                f'    not startswith(c.image, "registry.internal/")\n'
                f"}}"
            )
        out[f"{ns.replace('.', '_')}.rego"] = "\n\n".join(rules) + "\n"
    return out


def make_input(rng: random.Random, i: int) -> dict[str, object]:
    return {
        "kind": "Deployment",
        "metadata": {"name": f"svc-{i}", "labels": {"team": f"t{i % 7}"}},
        "spec": {
            "replicas": rng.randint(1, 5),
            "containers": [
                {
                    "name": f"c{j}",
                    "image": rng.choice(["registry.internal/app:1", "docker.io/app:latest"]),
                    "limits": {"cpu": rng.randint(50, 500), "memory": rng.randint(64, 2048)},
                }
                for j in range(3)
            ],
        },
    }


def write_tree(root: Path, count: int) -> tuple[Path, Path]:
    rng = random.Random(count)
    pol = root / "policy"
    pol.mkdir()
    for name, text in policies().items():
        (pol / name).write_text(text)
    inputs = root / "inputs"
    inputs.mkdir()
    for i in range(count):
        (inputs / f"deploy-{i:05d}.json").write_text(json.dumps(make_input(rng, i)))
    return pol, inputs


def time_sentinel(pol: Path, inputs: Path) -> float:
    exe = Path(sys.executable).with_name("sentinel")
    start = time.perf_counter()
    proc = subprocess.run(
        [str(exe), "test", "-p", str(pol), "--all-namespaces", "-o", "json", str(inputs)],
        capture_output=True,
        check=False,
        cwd=inputs.parent,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"sentinel failed: {proc.stderr.decode()}")
    return elapsed


def time_bare_loop(pol: Path, inputs: Path) -> float:
    """The floor: one engine in one process, each file read and set as input, each deny/warn rule
    evaluated by path (the cheapest way regorus offers), results parsed; no bookkeeping, no output.
    """
    start = time.perf_counter()
    engine = regorus.Engine()
    for f in sorted(pol.glob("*.rego")):
        engine.add_policy(str(f), f.read_text())
    rules = [
        f"data.{ns}.{head}_{ns.replace('.', '_')}_{i}"
        for ns in NAMESPACES
        for i in range(6)
        for head in ["deny" if i % 3 else "warn"]
    ]
    for f in sorted(inputs.iterdir()):
        engine.set_input_json(f.read_text())
        for rule in rules:
            json.loads(engine.eval_rule_as_json(rule))
    return time.perf_counter() - start


BARE_SCRIPT = """
import json, sys, pathlib, regorus
pol, inputs, rules = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3:]
engine = regorus.Engine()
for f in sorted(pol.glob("*.rego")):
    engine.add_policy(str(f), f.read_text())
for f in sorted(inputs.iterdir()):
    engine.set_input_json(f.read_text())
    for rule in rules:
        json.loads(engine.eval_rule_as_json(rule))
"""


def time_bare_script(pol: Path, inputs: Path) -> float:
    """The same bare loop as a script of its own, timed like `sentinel test` (interpreter start included)."""
    rules = [
        f"data.{ns}.{head}_{ns.replace('.', '_')}_{i}"
        for ns in NAMESPACES
        for i in range(6)
        for head in ["deny" if i % 3 else "warn"]
    ]
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", BARE_SCRIPT, str(pol), str(inputs), *rules], check=True)
    return time.perf_counter() - start


def find_tool(name: str) -> str | None:
    local = Path(__file__).resolve().parents[1] / ".tools" / "bin" / name
    return str(local) if local.is_file() else shutil.which(name)


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU (user + system of the child) seconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, check=False, cwd=cwd, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed: {proc.stderr.decode()}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


COMPARE_SIZES = (1000, 4000)


def compare_tools(conftest: str, opa: str | None, bare: dict[int, float]) -> None:
    """conftest, `sentinel test` and `sentinel test --engine opa` on the same inputs, run for run."""
    exe = str(Path(sys.executable).with_name("sentinel"))
    env = {**os.environ, **({"SENTINEL_OPA": opa} if opa else {})}
    print(f"\nagainst the real conftest ({conftest}), interleaved, medians of {RUNS}")
    print(
        f"{'files':>6} {'sentinel wall':>14} {'cpu':>7} {'--engine opa wall':>18} {'cpu':>7}"
        f" {'conftest wall':>14} {'cpu':>7}"
    )
    ratios: list[str] = []
    for size in COMPARE_SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            pol, inputs = write_tree(Path(tmp), size)
            args = ["test", "-p", str(pol), "--all-namespaces", "-o", "json", str(inputs)]
            commands = {"sentinel": [exe, *args], "conftest": [conftest, *args]}
            if opa:
                commands["opa"] = [exe, *args, "--engine", "opa"]
            runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
            timed(commands["sentinel"], inputs.parent, env)
            for _ in range(RUNS):
                for name, cmd in commands.items():
                    runs[name].append(timed(cmd, inputs.parent, env))
        med = {
            name: (statistics.median(r[0] for r in got), statistics.median(r[1] for r in got))
            for name, got in runs.items()
        }
        opa_cols = f"{med['opa'][0]:>18.3f} {med['opa'][1]:>7.3f}" if opa else f"{'-':>18} {'-':>7}"
        print(
            f"{size:>6} {med['sentinel'][0]:>14.3f} {med['sentinel'][1]:>7.3f} {opa_cols}"
            f" {med['conftest'][0]:>14.3f} {med['conftest'][1]:>7.3f}"
        )
        line = (
            f"{size:>6} files: conftest/sentinel {med['conftest'][0] / med['sentinel'][0]:.1f}x"
            f" (sentinel/conftest {med['sentinel'][0] / med['conftest'][0]:.3f})"
        )
        if opa:
            line += f", sentinel --engine opa/conftest {med['opa'][0] / med['conftest'][0]:.2f}"
        if size in bare:
            line += f", sentinel/bare regorus script {med['sentinel'][0] / bare[size]:.2f}x"
        ratios.append(line)
    print("ratios (wall):")
    for line in ratios:
        print(f"  {line}")


def compile_bytecode() -> None:
    """Write the package's .pyc files first, as installing the wheel does: with
    PYTHONDONTWRITEBYTECODE set, every run would otherwise compile changed modules again."""
    import sentinel

    folder = str(Path(sentinel.__file__).parent)
    subprocess.run([sys.executable, "-m", "compileall", "-q", folder], check=True, capture_output=True)


def main() -> None:
    compile_bytecode()
    print(f"cores: {os.cpu_count()}, runs per figure: {RUNS} (median)")
    print(
        f"{'files':>6} {'sentinel test (s)':>18} {'bare, in-process (s)':>21} {'ratio':>6}"
        f" {'bare, as a script (s)':>22} {'ratio':>6}"
    )
    medians: dict[int, float] = {}
    scripts: dict[int, float] = {}
    for size in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            pol, inputs = write_tree(Path(tmp), size)
            time_sentinel(pol, inputs)  # warm the page cache and imports
            ours = statistics.median(time_sentinel(pol, inputs) for _ in range(RUNS))
            bare = statistics.median(time_bare_loop(pol, inputs) for _ in range(RUNS))
            script = statistics.median(time_bare_script(pol, inputs) for _ in range(RUNS))
        medians[size] = ours
        scripts[size] = script
        print(
            f"{size:>6} {ours:>18.3f} {bare:>21.3f} {ours / bare:>5.2f}x"
            f" {script:>22.3f} {ours / script:>5.2f}x"
        )
    print(
        f"growth 1,000 -> 4,000 files: {medians[4000] / medians[1000]:.2f}x (linear = 4.0x, target <= 4.4x)"
    )
    print(f"1,000 files: {medians[1000]:.3f} s (target < 2 s)")
    conftest = find_tool("conftest")
    if conftest:
        compare_tools(conftest, find_tool("opa"), scripts)
    else:
        print("conftest not found (make tools): no comparison")


if __name__ == "__main__":
    main()
