"""Audit stream benchmark: the cost of never losing an event.

    .venv/bin/python benchmarks/cloud_bench.py [--rounds 5] [--events 5000] [--batch 200]

Ours is ``AuditStreamClient`` with its SQLite buffer (every event on disk, WAL, before it is
sent), with ``synchronous=FULL`` (the default: survives a power loss) and ``NORMAL`` (survives a
crash of the agent), one ``emit`` per event, and FULL with ``emit_many`` in batches of ``--batch``.
The peer is what the original plan described: an in-memory ``deque(maxlen=cap)`` that drops the
oldest when full, drained by a bare ``httpx.Client`` posting the same batches. Both talk to the
governance stand-in (``testsupport/governance_server.py``, uvicorn on loopback), interleaved in
each round so machine noise hits both alike.

* buffer: ``--events`` events stored while the API is down (ours: ``emit`` into SQLite; peer:
  ``deque.append``).
* drain: the API comes back and everything buffered is posted in batches of ``--batch`` (ours:
  ``reconnected()``, which deletes each batch from disk after the server's answer; peer: slicing the
  deque). CPU is this process's (client side); the stand-in runs in a thread of the same process, so
  its CPU is included for both alike.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# benchmarks/secrets.py would shadow the standard library's secrets (which pydantic imports).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from sentinel.runtime.cloud.buffer import AuditBuffer  # noqa: E402
from sentinel.runtime.cloud.clients.base import BaseClient  # noqa: E402
from sentinel.runtime.cloud.stream import AuditStreamClient  # noqa: E402
from testsupport.governance_server import ORG, TOKEN, GovernanceAPI, LoopThread  # noqa: E402


def _event(n: int, tag: str) -> dict[str, object]:
    return {
        "event_id": f"{tag}-{n}",
        "event_type": "core.DecisionRecorded",
        "payload": {"n": n, "decision": "deny", "score": 4200, "tenant": "t1"},
        "occurred_at": "2026-12-07T12:00:00.000000Z",
    }


def _timed(work: object) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()  # type: ignore[operator]
    return time.perf_counter() - wall, time.process_time() - cpu


Timings = tuple[tuple[float, float], ...]


def ours(
    api: GovernanceAPI, folder: Path, events: int, batch: int, tag: str, sync: str, many: bool = False
) -> Timings:
    base = BaseClient(api.url, ORG, TOKEN, max_retries=0, timeout=5.0)
    buffer = AuditBuffer(folder / f"{tag}.db", events + 1, sync=sync)
    stream = AuditStreamClient(base, buffer, batch_size=batch)
    api.stop()

    def fill() -> None:
        if many:
            for start in range(0, events, batch):
                stream.emit_many([_event(n, tag) for n in range(start, min(events, start + batch))])
            return
        for n in range(events):
            stream.emit(_event(n, tag))

    filled = _timed(fill)
    api.start()
    drained = _timed(stream.reconnected)
    assert stream.buffer.depth == 0
    stream.buffer.close()
    base.close()
    return filled, drained


def peer(api: GovernanceAPI, events: int, batch: int, tag: str) -> Timings:
    buffer: collections.deque[dict[str, object]] = collections.deque(maxlen=events + 1)
    client = httpx.Client(
        base_url=api.url, timeout=5.0, headers={"Authorization": f"Bearer {TOKEN}", "X-Sentinel-Org": ORG}
    )

    def fill() -> None:
        for n in range(events):
            buffer.append(_event(n, tag))

    def drain() -> None:
        while buffer:
            chunk = [buffer.popleft() for _ in range(min(batch, len(buffer)))]
            client.post("/v1/audit/events", json={"events": chunk}).raise_for_status()

    filled = _timed(fill)
    drained = _timed(drain)
    client.close()
    return filled, drained


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    loop = LoopThread()
    api = GovernanceAPI(loop).start()
    results: dict[str, list[Timings]] = {
        "ours FULL": [],
        "ours NORMAL": [],
        "ours FULL many": [],
        "peer (deque)": [],
    }
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for r in range(args.rounds):
                for sync in ("FULL", "NORMAL"):
                    timings = ours(api, Path(tmp), args.events, args.batch, f"{sync}{r}", sync)
                    results[f"ours {sync}"].append(timings)
                    api.audit_events.clear()
                timings = ours(api, Path(tmp), args.events, args.batch, f"many{r}", "FULL", many=True)
                results["ours FULL many"].append(timings)
                api.audit_events.clear()
                results["peer (deque)"].append(peer(api, args.events, args.batch, f"p{r}"))
                api.audit_events.clear()
    finally:
        api.stop()
        loop.close()
    print(f"{args.events} events, batches of {args.batch}, {args.rounds} rounds (medians)")
    print(f"{'client':<15} {'phase':<7} {'wall ms':>9} {'cpu ms':>9} {'events/s':>11}")
    for name, rounds in results.items():
        for index, phase in enumerate(("buffer", "drain")):
            wall = statistics.median(r[index][0] for r in rounds)
            cpu = statistics.median(r[index][1] for r in rounds)
            rate = args.events / wall
            print(f"{name:<15} {phase:<7} {wall * 1000:>9.1f} {cpu * 1000:>9.1f} {rate:>11,.0f}")


if __name__ == "__main__":
    main()
