"""``sentinel serve`` against ``opa run --server`` over HTTP on loopback, same policy, same load.

Peer: OPA v1.22.4 (``.tools/bin/opa``, ``make tools``). Both serve the same 20-rule decision
policy; both answer ``POST /v1/data/sentinel/decision/deny`` with the same input. Sentinel's own
``POST /v1/evaluate`` (the full decision: scoring, model validation, headers) is measured too.

1. Fixed rate (open loop, 200 / 1,000 / 2,000 requests per second): an asyncio client in a
   separate process (raw HTTP/1.1 over 32 kept-alive connections: httpx's async client could not
   send 1,000 requests/s on this machine) sends each request at its scheduled time and measures
   from that time, so a slow server is not hidden by a client that waits for it (no coordinated
   omission). p50/p95/p99
   in ms, the rate achieved, errors, and the server's CPU seconds per 1,000 requests.
2. Highest throughput with p95 <= 15 ms: wrk (closed loop, a Lua script for POST bodies and the
   p95) at 1, 4, 16 and 64 connections; the best requests/s whose p95 stays within 15 ms.

Rounds interleave the servers; each figure is the median of the rounds. The machine has two
cores that the load generator shares with the server: absolute numbers are this machine's.

    .venv/bin/python benchmarks/runtime_http.py [--rounds 3] [--duration 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testsupport.processes import Server, find_program, free_port, start  # noqa: E402

RATES = (200, 1000, 2000)
CONNECTIONS = (1, 4, 16, 64)
P95_BUDGET_MS = 15.0
OPEN_LOOP_CONNECTIONS = 32
WARMUP = 20  # requests per connection before the timed ones
REQUEST = {
    "tenant": "acme",
    "subject": "user:alice",
    "action": "read",
    "resource": "doc/1234",
    "context": {"roles": ["reader"], "mfa": True, "ip": "10.1.2.3", "size": 512},
}


def decision_policy(rules: int = 20) -> str:
    """A decision policy of ``rules`` deny rules, none of which fires for REQUEST (the common case)."""
    lines = ["package sentinel.decision", "", "import rego.v1", ""]
    for i in range(rules):
        lines += [
            f'deny contains {{"rule": "r{i}", "message": "rule {i}", "weight": {100 + i}}} if {{',
            f'\tinput.action == "act{i}"',
            f'\tnot "admin{i}" in input.context.roles',
            "}",
            "",
        ]
    return "\n".join(lines)


# The load client (runs in its own process) ----------------------------------------------------------


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """One HTTP/1.1 request on a kept-alive connection; the response's status code."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = None
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        elif name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if length is not None:
        await reader.readexactly(length)
    elif chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _open_loop(
    port: int, path: str, body: bytes, rate: int, duration: float, connections: int
) -> dict[str, Any]:
    """Requests scheduled every 1/rate s, served by ``connections`` kept-alive connections; each
    latency is measured from the request's scheduled time (a queue behind a slow server counts)."""
    request = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    errors = 0
    count = int(rate * duration)
    schedule: asyncio.Queue[float] = asyncio.Queue()

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(WARMUP):  # warm the connection and the server's per-thread state
            await _exchange(reader, writer, request)
        await ready.wait()
        while True:
            at = await schedule.get()
            if at < 0:
                break
            delay = at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                if await _exchange(reader, writer, request) != 200:
                    errors += 1
            except (OSError, asyncio.IncompleteReadError):
                errors += 1
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            latencies.append(loop.time() - at)
        writer.close()

    ready = asyncio.Event()
    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    await asyncio.sleep(0.5)
    begin = loop.time() + 0.05
    for i in range(count):
        schedule.put_nowait(begin + i / rate)
    for _ in workers:
        schedule.put_nowait(-1.0)
    ready.set()
    await asyncio.gather(*workers)
    elapsed = loop.time() - begin
    latencies.sort()
    return {
        "sent": count,
        "warmup": WARMUP * connections,
        "achieved": count / elapsed,
        "errors": errors,
        "p50": _pct(latencies, 50) * 1000,
        "p95": _pct(latencies, 95) * 1000,
        "p99": _pct(latencies, 99) * 1000,
    }


def _pct(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, round(pct / 100 * (len(sorted_values) - 1)))
    return sorted_values[index]


def client_main(argv: list[str]) -> None:
    port, path, body_file, rate, duration, connections = argv
    body = Path(body_file).read_bytes()
    run = _open_loop(int(port), path, body, int(rate), float(duration), int(connections))
    print(json.dumps(asyncio.run(run)))


# The harness -------------------------------------------------------------------------------------------

WRK_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open(os.getenv("BENCH_BODY"), "rb")
wrk.body = f:read("*a")
f:close()
function done(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "p50": %f, "p95": %f, "p99": %f}\\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
      + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


@dataclass
class Target:
    name: str
    server: Server
    path: str
    body: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}{self.path}"


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` and its children (uvicorn's workers) from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def open_loop(target: Target, rate: int, duration: float) -> dict[str, Any]:
    cpu_before = cpu_seconds(target.server.pid)
    out = subprocess.run(
        [sys.executable, __file__, "--client", str(target.server.port), target.path, str(target.body),
         str(rate), str(duration), str(OPEN_LOOP_CONNECTIONS)],
        capture_output=True, text=True, check=True, timeout=duration * 10 + 60,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    requests = result["sent"] + result["warmup"]
    result["cpu_per_1k"] = (cpu_seconds(target.server.pid) - cpu_before) / requests * 1000
    return result


def wrk(wrk_path: str, script: Path, target: Target, connections: int, duration: float) -> dict[str, Any]:
    threads = min(2, connections)
    cpu_before = cpu_seconds(target.server.pid)
    out = subprocess.run(
        [wrk_path, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration))}s",
         "-s", str(script), target.url],
        capture_output=True, text=True, check=True, timeout=duration * 10 + 60,
        env={**os.environ, "BENCH_BODY": str(target.body)},
    )
    line = next(line for line in out.stdout.splitlines() if line.startswith("{"))
    result: dict[str, Any] = json.loads(line)
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["cpu_per_1k"] = (cpu_seconds(target.server.pid) - cpu_before) / max(1, result["requests"]) * 1000
    return result


CLI = "import sys; from sentinel.cli import main; sys.exit(main())"


@contextmanager
def servers(work: Path, opa: str) -> Iterator[list[Target]]:
    policy = work / "policy"
    policy.mkdir()
    (policy / "decision.rego").write_text(decision_policy())
    data_body = work / "data.json"
    data_body.write_text(json.dumps({"input": REQUEST}))
    eval_body = work / "evaluate.json"
    eval_body.write_text(json.dumps(REQUEST))
    deny = "/v1/data/sentinel/decision/deny"
    started: list[Server] = []

    def sentinel(name: str, *flags: str) -> Server:
        port = free_port()
        argv = [sys.executable, "-c", CLI, "serve", "--policy", str(policy), "--addr", f"127.0.0.1:{port}"]
        argv += flags
        server = start(argv, port, work / f"{name}.log")
        started.append(server)
        time.sleep(1.0)  # let every worker finish loading
        return server

    try:
        one = sentinel("one")
        two = sentinel("two", "--workers", "2")
        threaded = sentinel("threaded", "--eval-threads", "8")
        port = free_port()
        opa_server = start([opa, "run", "--server", "--addr", f"127.0.0.1:{port}", "--log-level", "error",
                            str(policy)], port, work / "opa.log")
        started.append(opa_server)
        yield [
            Target("sentinel /v1/data", one, deny, data_body),
            Target("sentinel /v1/evaluate", one, "/v1/evaluate", eval_body),
            Target("sentinel /v1/data 2 workers", two, deny, data_body),
            Target("sentinel /v1/data thread pool", threaded, deny, data_body),
            Target("opa /v1/data", opa_server, deny, data_body),
        ]
    finally:
        for server in started:
            server.stop()


def _median(rows: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=4.0)
    args = parser.parse_args()
    opa = find_program("opa")
    wrk_path = find_program("wrk")
    if opa is None or wrk_path is None:
        sys.exit("needs opa (make tools) and wrk (make servers)")
    with tempfile.TemporaryDirectory() as tmp, servers(Path(tmp), opa) as targets:
        script = Path(tmp) / "post.lua"
        script.write_text(WRK_LUA)
        # Check that every /v1/data target gives the same answer before timing them.
        import httpx

        answers = {
            json.dumps(httpx.post(t.url, content=t.body.read_bytes()).json().get("result"))
            for t in targets
            if "/v1/data" in t.name
        }
        assert len(answers) == 1, answers

        fixed: dict[tuple[str, int], list[dict[str, Any]]] = {}
        closed: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for _ in range(args.rounds):
            for rate in RATES:
                for target in targets:
                    fixed.setdefault((target.name, rate), []).append(open_loop(target, rate, args.duration))
            for connections in CONNECTIONS:
                for target in targets:
                    closed.setdefault((target.name, connections), []).append(
                        wrk(wrk_path, script, target, connections, args.duration)
                    )
        report(targets, fixed, closed, args.rounds)


def report(
    targets: list[Target],
    fixed: dict[tuple[str, int], list[dict[str, Any]]],
    closed: dict[tuple[str, int], list[dict[str, Any]]],
    rounds: int,
) -> None:
    print(f"\nFixed rate, open loop (asyncio client, separate process), medians of {rounds} rounds")
    print(f"{'server':30} {'rate/s':>7} {'achieved':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'errors':>7} {'CPU s/1k':>9}")
    for rate in RATES:
        for target in targets:
            rows = fixed[(target.name, rate)]
            cells = [f"{_median(rows, 'achieved'):>9.0f}"]
            cells += [f"{_median(rows, key):>8.2f}" for key in ("p50", "p95", "p99")]
            cells += [f"{_median(rows, 'errors'):>7.0f}", f"{_median(rows, 'cpu_per_1k'):>9.3f}"]
            print(f"{target.name:30} {rate:>7} " + " ".join(cells))

    print(f"\nClosed loop (wrk), medians of {rounds} rounds")
    print(f"{'server':30} {'conns':>6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'CPU s/1k':>9}")
    best: dict[str, tuple[float, int]] = {}
    for connections in CONNECTIONS:
        for target in targets:
            rows = closed[(target.name, connections)]
            rps, p95 = _median(rows, "rps"), _median(rows, "p95")
            cells = [f"{rps:>8.0f}"] + [f"{_median(rows, key):>8.2f}" for key in ("p50", "p95", "p99")]
            cells.append(f"{_median(rows, 'cpu_per_1k'):>9.3f}")
            print(f"{target.name:30} {connections:>6} " + " ".join(cells))
            if p95 <= P95_BUDGET_MS and rps > best.get(target.name, (0.0, 0))[0]:
                best[target.name] = (rps, connections)

    print(f"\nHighest throughput with p95 <= {P95_BUDGET_MS:.0f} ms")
    for target in targets:
        rps, connections = best.get(target.name, (0.0, 0))
        print(f"{target.name:30} {rps:>8.0f} req/s (at {connections} connections)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        client_main(sys.argv[2:])
    else:
        main()
