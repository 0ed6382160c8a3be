"""Time from a new signed bundle appearing on the server to its activation: Sentinel's sync vs OPA.

Peer: OPA v1.22.4 (``.tools/bin/opa run --server`` with a ``bundles`` config, signature verified with
the same ES256 key). Two modes, rounds interleaved (ours, then OPA, per round), medians printed:

1. Polling every 1 s against real nginx (ETag + 304): ours ``interval_s=1, jitter=0``; OPA
   ``min_delay_seconds = max_delay_seconds = 1``. Expected: about half the interval plus the work.
2. Long polling against ``testsupport/bundle_server.py`` (a stand-in bundle service honouring
   ``Prefer: wait=N``; nginx does not): ours ``long_poll_s=30``; OPA ``long_polling_timeout_seconds=30``.

Activation is observed as: ours, the sync's status naming the new revision (checked every 1 ms on the
event loop, in process); OPA, ``GET /v1/data/sentinel/blocked`` returning the new value (every 2 ms).
CPU: ours is this process's CPU time during the wait (it includes the stand-in server in mode 2 and
the benchmark's own loop); OPA's is its process's utime+stime from ``/proc`` (10 ms ticks: 0 means
under one tick). In polling mode each bundle is published at a random phase of the interval.

    .venv/bin/python benchmarks/bundles_sync_bench.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # not benchmarks/: its secrets.py would shadow the standard library

import httpx  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from sentinel.runtime.bundles.build import build_bundle, sign_bundle  # noqa: E402
from sentinel.runtime.bundles.service import ServiceTarget  # noqa: E402
from sentinel.runtime.bundles.signing import KeySet, load_signing_key  # noqa: E402
from sentinel.runtime.bundles.sync import BundleSync, SyncConfig  # noqa: E402
from testsupport import servers  # noqa: E402
from testsupport.bundle_server import BundleServer  # noqa: E402
from testsupport.processes import Server, find_program, free_port, start  # noqa: E402

POLICY = """package sentinel.decision

import rego.v1

deny contains {"rule": "blocked", "message": "blocked", "weight": 50} if input.action == data.sentinel.blocked
"""
TICKS = os.sysconf("SC_CLK_TCK")


class Bundles:
    def __init__(self, workdir: Path) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        pem = self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self.public = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.signing = load_signing_key(pem, "default")
        self.keys = KeySet.from_pem(self.public, "default")
        self.workdir = workdir
        self.count = 0

    def next(self) -> tuple[str, bytes]:
        self.count += 1
        revision = f"v{self.count}"
        src = self.workdir / f"src-{revision}" / "sentinel"
        src.mkdir(parents=True)
        (src / "decision.rego").write_text(POLICY)
        (src / "data.json").write_text(json.dumps({"blocked": revision}))
        archive, _ = sign_bundle(build_bundle([src.parent], revision=revision), self.signing)
        return revision, archive


def place(root: Path, archive: bytes, stamp: float) -> None:
    target = root / "bundles" / "bundle.tar.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_suffix(".tmp")
    temp.write_bytes(archive)
    os.utime(temp, (stamp, stamp))
    os.replace(temp, target)


def opa_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def start_opa(opa: str, workdir: Path, base_url: str, public: bytes, long_poll: bool) -> Server:
    port = free_port()
    polling = (
        "long_polling_timeout_seconds: 30"
        if long_poll
        else "min_delay_seconds: 1\n      max_delay_seconds: 1"
    )
    key = json.dumps(public.decode())
    config = workdir / f"opa-{port}.yaml"
    config.write_text(
        f"""services:
  s:
    url: {base_url}
bundles:
  b:
    service: s
    resource: bundles/bundle.tar.gz
    signing:
      keyid: default
    polling:
      {polling}
keys:
  default:
    algorithm: ES256
    key: {key}
"""
    )
    argv = [opa, "run", "--server", "--addr", f"127.0.0.1:{port}", "--config-file", str(config)]
    return start(argv, port, workdir / f"opa-{port}.log")


async def timed(
    publish: Callable[[bytes], Awaitable[None]],
    archive: bytes,
    active: Callable[[str], Awaitable[bool]],
    revision: str,
    pid: int | None,
) -> tuple[float, float]:
    """(wall, CPU) seconds from publishing ``archive`` to ``active(revision)``."""
    cpu0 = opa_cpu(pid) if pid else time.process_time()
    t0 = time.perf_counter()
    await publish(archive)
    while not await active(revision):
        await asyncio.sleep(0.001 if pid is None else 0.002)
    wall = time.perf_counter() - t0
    return wall, (opa_cpu(pid) if pid else time.process_time()) - cpu0


async def wait_until(check: Callable[[str], Awaitable[bool]], revision: str, failure: str) -> None:
    deadline = time.monotonic() + 30
    while not await check(revision):
        if time.monotonic() > deadline:
            raise RuntimeError(failure)
        await asyncio.sleep(0.01)


Results = dict[tuple[str, str], tuple[list[float], list[float]]]


class Mode:
    """One mode: our sync and OPA polling the same server, measured alternately."""

    def __init__(self, name: str, bundles: Bundles, publish: Callable[[bytes], Awaitable[None]]) -> None:
        self.name = name
        self.bundles = bundles
        self.publish = publish
        self.sync: BundleSync | None = None
        self.rng = random.Random(13)
        self.client: httpx.AsyncClient | None = None

    async def ours_at(self, revision: str) -> bool:
        assert self.sync is not None
        return self.sync.status.revision == revision

    async def opa_at(self, revision: str) -> bool:
        assert self.client is not None
        response = await self.client.get("/v1/data/sentinel/blocked")
        return bool(response.json().get("result") == revision)

    async def run(self, opa: str, work: Path, base: str, rounds: int, results: Results) -> None:
        long_poll = self.name.startswith("long")
        revision, archive = self.bundles.next()
        await self.publish(archive)
        config = SyncConfig(
            url=f"{base}/bundles/bundle.tar.gz",
            keys=self.bundles.keys,
            interval_s=1.0,
            jitter=0.0,
            long_poll_s=30 if long_poll else None,
        )
        self.sync = BundleSync(config, ServiceTarget())
        task = asyncio.create_task(self.sync.run())
        opa_server = start_opa(opa, work, base, self.bundles.public, long_poll)
        self.client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{opa_server.port}", timeout=5)
        try:
            await self.settle(revision, opa_server)
            for _ in range(rounds):
                for who in ("sentinel", "opa"):
                    # both back in their wait; polling: publish at a random phase of the 1 s interval
                    await asyncio.sleep(0.3 if long_poll else self.rng.uniform(0.3, 1.3))
                    revision, archive = self.bundles.next()
                    if who == "sentinel":
                        wall, cpu = await timed(self.publish, archive, self.ours_at, revision, None)
                    else:
                        wall, cpu = await timed(self.publish, archive, self.opa_at, revision, opa_server.pid)
                    walls, cpus = results.setdefault((self.name, who), ([], []))
                    walls.append(wall)
                    cpus.append(cpu)
                    await self.settle(revision, opa_server)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await self.client.aclose()
            opa_server.stop()

    async def settle(self, revision: str, opa_server: Server) -> None:
        """Both sides at ``revision`` before the next measurement."""
        await wait_until(self.ours_at, revision, f"{self.name}: Sentinel missed {revision}")
        await wait_until(
            self.opa_at, revision, f"{self.name}: OPA missed {revision}:\n{opa_server.output()[-2000:]}"
        )


async def bench(rounds: int) -> Results:
    opa = find_program("opa")
    nginx_program = find_program("nginx", "/usr/sbin")
    if opa is None or nginx_program is None:
        raise SystemExit("needs .tools/bin/opa (make tools) and nginx (apt-get install -y nginx)")
    results: Results = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        bundles = Bundles(work / "bundles")
        www = work / "www"
        www.mkdir()
        nginx = servers.nginx(nginx_program, www, work / "nginx")
        stand_in = await BundleServer().start()
        stamp = [1_000_000.0]

        async def on_nginx(archive: bytes) -> None:
            stamp[0] += 10  # nginx's ETag is mtime and size: a new mtime gives a new ETag
            place(www, archive, stamp[0])

        try:
            await Mode("poll 1 s (nginx)", bundles, on_nginx).run(
                opa, work, f"http://127.0.0.1:{nginx.port}", rounds, results
            )
            await Mode("long poll (stand-in)", bundles, stand_in.publish).run(
                opa, work, f"http://127.0.0.1:{stand_in.port}", rounds, results
            )
        finally:
            await stand_in.stop()
            nginx.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results = asyncio.run(bench(args.rounds))
    print(f"{'mode':<22} {'server':<9} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'CPU ms (median)':>16}")
    for (mode, who), (walls, cpus) in results.items():
        print(
            f"{mode:<22} {who:<9} {statistics.median(walls) * 1000:>10.1f} {min(walls) * 1000:>8.1f} "
            f"{max(walls) * 1000:>8.1f} {statistics.median(cpus) * 1000:>16.1f}"
        )
    print(f"rounds: {args.rounds}, interleaved per round; activation observed as described in the docstring")


if __name__ == "__main__":
    main()
