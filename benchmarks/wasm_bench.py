"""Wasm decisions (issue 16): the shipped decision policy, per-decision latency side by side.

Engines, interleaved in every round (medians over rounds of each round's percentiles):
- ``wasm``: ``WasmDecider.evaluate`` (OPA's Wasm build under opa-py-wasm/wasmtime, deny + warn);
- ``rvm``: ``Decider.evaluate`` (regorus compiled program, deny + warn);
- ``interp``: regorus ``Engine.eval_rule`` of deny and warn, scored the same way;
- ``opa-http``: ``opa run --server`` with the same policy and data (as Rego), ``POST
  /v1/data/sentinel/decision`` over
  a keep-alive loopback connection.
CPU time (process) is shown beside wall time. Then instantiation time and memory per Wasm instance,
and throughput of one and two worker threads sharing one decider (target: Wasm p99 <= 200 us).

    .venv/bin/python benchmarks/wasm_bench.py [--rounds 5] [--requests 2000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import regorus

from sentinel.runtime.bundles.build import build_bundle
from sentinel.runtime.bundles.reader import read_bundle
from sentinel.runtime.decision import Decider, DecisionRequest, scoring
from sentinel.runtime.wasm import WasmDecider, WasmLimits
from sentinel.runtime.wasm.compile import build_wasm_bundle
from testsupport.processes import find_program, free_port, start

REPO = Path(__file__).resolve().parent.parent
DECISION = REPO / "policy-as-code" / "runtime" / "decision"


def requests() -> list[DecisionRequest]:
    subjects = ["alice", "bob", "carol", "mallory", "zed"]
    actions = ["orders.read", "orders.delete", "invoices.pay", "x.write"]
    resources = ["orders/1", "secrets/root/key"]
    return [
        DecisionRequest(tenant="acme", subject=s, action=a, resource=r, context={"mfa": i % 2 == 0})
        for i, (s, a, r) in enumerate((s, a, r) for s in subjects for a in actions for r in resources)
    ]


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return pick(0.50), pick(0.95), pick(0.99)


def run(
    call: Callable[[DecisionRequest], Any], batch: list[DecisionRequest], count: int
) -> tuple[list[float], float, float]:
    samples: list[float] = []
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for i in range(count):
        started = time.perf_counter()
        call(batch[i % len(batch)])
        samples.append(time.perf_counter() - started)
    return samples, time.perf_counter() - wall0, time.process_time() - cpu0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    opa = find_program("opa")
    if opa is None:
        sys.exit("opa not found: make tools builds it into .tools/bin")
    tmp = Path(tempfile.mkdtemp(prefix="wasm-bench-"))
    try:
        bench(opa, tmp, args.rounds, args.requests)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench(opa: str, tmp: Path, rounds: int, count: int) -> None:
    src = tmp / "src"
    src.mkdir()
    shutil.copy(DECISION / "decision.rego", src / "decision.rego")
    shutil.copy(DECISION / "data.example.json", src / "data.json")
    archive = build_wasm_bundle(
        [src], revision="bench", opa=opa, entrypoints=["sentinel/decision/deny", "sentinel/decision/warn"]
    )
    # OPA gets the same policy as Rego: this opa binary is built without its Wasm engine.
    (tmp / "bundle.tar.gz").write_bytes(build_bundle([src], revision="bench"))
    bundle = read_bundle(archive)
    wasm = WasmDecider.from_bundle(archive, keys=None, require_signature=False)
    rvm = Decider.from_modules(
        bundle.modules, bundle.data, revision=bundle.revision, constitution_hash=bundle.constitution_hash
    )
    engine = regorus.Engine()
    for path, text in bundle.modules:
        engine.add_policy(path, text)
    engine.add_data_json(json.dumps(bundle.data))

    def interp(request: DecisionRequest) -> Any:
        engine.set_input_json(json.dumps(request.policy_input()))
        deny = json.loads(engine.eval_rule_as_json("data.sentinel.decision.deny"))
        warn = json.loads(engine.eval_rule_as_json("data.sentinel.decision.warn"))
        return scoring.triples(deny, "deny"), scoring.triples(warn, "warn")

    port = free_port()
    server = start(
        [opa, "run", "--server", "--addr", f"127.0.0.1:{port}", "--bundle", str(tmp / "bundle.tar.gz")],
        port,
        tmp / "opa.log",
    )
    conn = http.client.HTTPConnection("127.0.0.1", port)

    def opa_http(request: DecisionRequest) -> Any:
        body = json.dumps({"input": request.policy_input()})
        conn.request("POST", "/v1/data/sentinel/decision", body, {"Content-Type": "application/json"})
        return json.loads(conn.getresponse().read())

    engines: dict[str, Callable[[DecisionRequest], Any]] = {
        "wasm": wasm.evaluate,
        "rvm": rvm.evaluate,
        "interp": interp,
        "opa-http": opa_http,
    }
    batch = requests()
    for call in engines.values():  # warm up (instances, caches, connections)
        run(call, batch, 200)
    stats: dict[str, list[tuple[float, float, float, float, float]]] = {name: [] for name in engines}
    try:
        for _ in range(rounds):
            for name, call in engines.items():
                samples, wall, cpu = run(call, batch, count)
                p50, p95, p99 = percentiles(samples)
                stats[name].append((p50, p95, p99, wall / count, cpu / count))
    finally:
        conn.close()
        server.stop()
    print(f"per decision, {count} requests x {rounds} rounds, medians of per-round values (us)")
    print(f"{'engine':<10}{'p50':>9}{'p95':>9}{'p99':>9}{'wall/op':>10}{'cpu/op':>9}")
    for name, rows in stats.items():
        cols = [statistics.median(r[i] for r in rows) * 1e6 for i in range(5)]
        print(f"{name:<10}" + "".join(f"{c:>9.1f}" if i < 3 else f"{c:>10.1f}" for i, c in enumerate(cols)))
    instances(archive)
    throughput(wasm, rvm, batch)
    wasm.close()


def instances(archive: bytes) -> None:
    """Compile + first instance (from_bundle), and RSS per extra instance (8 forced by 8 threads)."""
    times = []
    for _ in range(5):
        started = time.perf_counter()
        WasmDecider.from_bundle(
            archive, keys=None, require_signature=False, limits=WasmLimits(pool_size=1)
        ).close()
        times.append(time.perf_counter() - started)
    pool = WasmDecider.from_bundle(
        archive, keys=None, require_signature=False, limits=WasmLimits(pool_size=8)
    )
    before = _rss()
    barrier = threading.Barrier(8)
    request = requests()[0]

    def hold() -> None:
        barrier.wait()
        for _ in range(50):
            pool.evaluate(request)

    threads = [threading.Thread(target=hold) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    grown = _rss() - before
    created = pool._policy.instances_created  # observability only
    with pool._policy._pool.borrow() as loan:  # one instance's linear memory, in 64 KiB pages
        runtime = loan.instance._runtime
        pages = runtime.memory.size(runtime.store)
    print(f"\nload (read, compile, first instance): median {statistics.median(times) * 1e3:.1f} ms")
    print(
        f"instances created by 8 threads: {created}; RSS growth {grown / 2**20:.1f} MiB "
        f"(~{grown / 2**20 / max(1, created - 1):.1f} MiB per instance); "
        f"linear memory per instance {pages} pages = {pages * 64 / 1024:.1f} MiB"
    )
    pool.close()


def _measure(
    decide: Callable[[DecisionRequest], Any], batch: list[DecisionRequest], workers: int, seconds: float
) -> tuple[int, float]:
    """Decisions made by ``workers`` threads in ``seconds``, and the process CPU time they took."""
    counts = [0] * workers
    stop = time.perf_counter() + seconds
    cpu0 = time.process_time()

    def work(slot: int) -> None:
        i = 0
        while time.perf_counter() < stop:
            decide(batch[i % len(batch)])
            i += 1
        counts[slot] = i

    threads = [threading.Thread(target=work, args=(k,)) for k in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts), time.process_time() - cpu0


def _rss() -> int:
    """Resident set size of this process now, in bytes."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize()


def throughput(wasm: WasmDecider, rvm: Decider, batch: list[DecisionRequest], seconds: float = 3.0) -> None:
    print("\nthroughput, threads sharing one decider (decisions/s, wall; CPU per decision)")
    for name, decider in (("wasm", wasm), ("rvm", rvm)):
        for workers in (1, 2):
            total, cpu = _measure(decider.evaluate, batch, workers, seconds)
            rate = total / seconds
            print(f"{name:<6} {workers} worker(s): {rate:>9.0f}/s   cpu/op {cpu / total * 1e6:.1f} us")


if __name__ == "__main__":
    main()
