"""Trace v2 benchmark: append throughput, verify time and peak memory, inclusion proof size and time.

No direct peer exists for a hash-chained trace; the floor is a plain SHA-256 of the same file
(what ``sha256sum`` does: one hash over the bytes, no parsing), run interleaved with ``verify``.

    .venv/bin/python benchmarks/trace_bench.py [--entries 1000000] [--rounds 3]

The large trace is generated directly (``json.dumps`` with sorted keys equals RFC 8785 for its
ASCII strings and small integers) because the writer's pure-Python RFC 8785 would take minutes; it is
checked by ``verify`` like any other trace. Each ``verify`` round runs in a fresh process so its peak
RSS is its own.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat  # noqa: E402

from sentinel.runtime.trace.checkpoint import Signer, checkpoints_path, public_jwk  # noqa: E402
from sentinel.runtime.trace.hashing import GENESIS_PREV_HASH  # noqa: E402
from sentinel.runtime.trace.merkle import Frontier  # noqa: E402
from sentinel.runtime.trace.writer import TraceWriter  # noqa: E402

PAYLOAD = {
    "decision": "allow", "score": 1200, "tenant": "acme", "decision_id": "d", "path": "sentinel/decision",
}


def generate(path: Path, signer: Signer, count: int, checkpoint_every: int = 1000) -> None:
    frontier = Frontier()
    prev = GENESIS_PREV_HASH
    with path.open("wb") as out, checkpoints_path(path).open("wb") as cps:
        for seq in range(count):
            body = {
                **PAYLOAD,
                "decision_id": f"d-{seq}",
                "seq": seq,
                "prev_hash": prev,
                "entry_id": f"e-{seq}",
                "risk_level": "low",
                "policy_version": "rev-7",
                "session_tags": ["s1"],
                "evaluation_duration_ms": 3,
                "schema_version": "2.0",
            }
            canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
            prev = hashlib.sha256(canonical).hexdigest()
            out.write(canonical[:-1] + b',"entry_hash":"' + prev.encode() + b'"}\n')
            frontier.append(bytes.fromhex(prev))
            if frontier.size % checkpoint_every == 0 or seq == count - 1:
                cps.write(signer.sign(frontier.size, frontier.root(), prev).to_line())


def _child_verify(trace: str, jwks: str) -> None:
    from sentinel.runtime.trace.checkpoint import KeySet
    from sentinel.runtime.trace.verify import verify_trace

    wall, cpu = time.perf_counter(), time.process_time()
    report = verify_trace(trace, KeySet.load([jwks]))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {"ok": report.ok, "entries": report.entries, "wall": wall, "cpu": cpu, "rss_kib": rss_kib}
    print(json.dumps(result))


def _run_verify(trace: Path, jwks: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child-verify", str(trace), str(jwks)],
        capture_output=True, text=True, check=True,
    )
    result: dict[str, float] = json.loads(out.stdout)
    assert result["ok"], "the benchmark trace must verify"
    return result


def _floor(trace: Path) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    digest = hashlib.sha256()
    with trace.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return time.perf_counter() - wall, time.process_time() - cpu


def _append(folder: Path, signer: Signer, count: int, batch: int) -> tuple[float, float]:
    path = folder / f"append-{batch}-{time.monotonic_ns()}.jsonl"
    wall, cpu = time.perf_counter(), time.process_time()
    with TraceWriter(path, signer, batch_size=batch, checkpoint_every=1000) as writer:
        for i in range(count):
            writer.append({**PAYLOAD, "decision_id": f"d-{i}"}, risk_level="low", policy_version="rev-7")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    path.unlink()
    checkpoints_path(path).unlink()
    return count / wall, cpu / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000, help="a smaller trace, to show memory is flat")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    key = Ed25519PrivateKey.generate()
    signer = Signer(key)
    with tempfile.TemporaryDirectory(prefix="trace-bench-") as tmp:
        folder = Path(tmp)
        (folder / "key.pem").write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
        jwks = folder / "key.jwks"
        jwks.write_text(json.dumps({"keys": [public_jwk(key.public_key())]}))

        print("## Append (TraceWriter, RFC 8785 per entry, Ed25519 checkpoint every 1,000)")
        print(f"{'mode':<24} {'entries/s (median)':>20} {'CPU us/entry':>14}")
        for label, count, batch in (("fsync per batch of 100", 5000, 100), ("fsync per entry", 1000, 1)):
            runs = [_append(folder, signer, count, batch) for _ in range(args.rounds)]
            rate = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            print(f"{label:<24} {rate:>20,.0f} {cpu:>14.1f}")

        print(f"\n## Verify vs floor (plain SHA-256 of the file), {args.rounds} interleaved rounds, medians")
        print(f"{'trace':<28} {'size MB':>8} {'wall s':>8} {'CPU s':>8} {'peak RSS MiB':>13}")
        for count in (args.small, args.entries):
            trace = folder / f"trace-{count}.jsonl"
            generate(trace, signer, count)
            size_mb = trace.stat().st_size / 1e6
            verify_runs, floor_runs = [], []
            for _ in range(args.rounds):
                verify_runs.append(_run_verify(trace, jwks))
                floor_runs.append(_floor(trace))
            vw = statistics.median(r["wall"] for r in verify_runs)
            vc = statistics.median(r["cpu"] for r in verify_runs)
            rss = max(r["rss_kib"] for r in verify_runs) / 1024
            fw = statistics.median(r[0] for r in floor_runs)
            fc = statistics.median(r[1] for r in floor_runs)
            label = f"verify {count:,}"
            print(f"{label:<28} {size_mb:>8.0f} {vw:>8.2f} {vc:>8.2f} {rss:>13.1f}")
            label = f"floor sha256 {count:,}"
            print(f"{label:<28} {size_mb:>8.0f} {fw:>8.2f} {fc:>8.2f} {'-':>13}")
            if count == args.entries:
                _prove(trace)
            trace.unlink()
            checkpoints_path(trace).unlink()


def _prove(trace: Path) -> None:
    from sentinel.runtime.trace.prove import inclusion_proof

    wall, cpu = time.perf_counter(), time.process_time()
    proof = inclusion_proof(trace, 123_456)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    encoded = json.dumps(proof).encode()
    print(f"\n## Inclusion proof (seq 123,456 of {proof['checkpoint']['tree_size']:,})")
    print(f"path hashes: {len(proof['proof']['path'])}, JSON bytes: {len(encoded):,}")
    print(f"build (read trace + tree + proof): wall {wall:.2f} s, CPU {cpu:.2f} s")
    from sentinel.runtime.trace.checkpoint import KeySet
    from sentinel.runtime.trace.prove import check_inclusion

    keys = KeySet.load([trace.parent / "key.jwks"])
    start = time.perf_counter()
    for _ in range(100):
        check_inclusion(proof, keys)
    print(f"check (signature + path): {(time.perf_counter() - start) / 100 * 1e3:.2f} ms")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child-verify":
        _child_verify(sys.argv[2], sys.argv[3])
    else:
        main()
