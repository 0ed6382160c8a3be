"""Gateway overhead per request: the same small app with and without ``PolicyGateway`` (issue 14, "Speed").

Each request is one ASGI call made in process (no HTTP server in the timed path, so the figures are the
middleware's own cost): a GET on ``/v1/items/{item}`` with a valid ES256 bearer token. Every gateway
records its Prometheus metrics (a registry of its own), as in production. Variants, interleaved round by
round (medians of the per-round p50/p95):

- ``bare``: the app alone (the peer);
- ``local``: the gateway, decider in process (token verify with the verified-signature cache, decision,
  headers);
- ``local-nocache``: the same with the cache off (``cache_size=0``: an ES256 signature check on every
  request, as before the cache);
- ``local+redis``: ``local`` plus the ``jti`` revocation check in a real Redis (when redis-server exists);
- ``remote``: the gateway with the decision service's ``/v1/evaluate`` under uvicorn on loopback.

Wall time and this thread's CPU time (``time.thread_time``) are taken per request: wall p95 far above CPU
p95 means the request waited for a core (the machine's noise), not that it did more work. "added" is the
variant's p50/p95 minus bare's. Target: ``local`` adds at most 300 us p95. Then token verifications per
second (ES256 and EdDSA; the cache off, i.e. the signature checked every time).

    .venv/bin/python benchmarks/gateway_bench.py [--rounds 5] [--scale 1.0] [--no-remote]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sentinel.runtime.gateway.deciders import GatewayDecider, LocalDecider, RemoteDecider  # noqa: E402
from sentinel.runtime.gateway.metrics import GatewayMetrics  # noqa: E402
from sentinel.runtime.gateway.middleware import PolicyGateway  # noqa: E402
from sentinel.runtime.identity.keys import SigningKey  # noqa: E402
from sentinel.runtime.identity.ports import StaticKeys  # noqa: E402
from sentinel.runtime.identity.revocation import Revocations  # noqa: E402
from sentinel.runtime.identity.tokens import DEFAULT_CACHE_SIZE, TokenIssuer, TokenVerifier  # noqa: E402
from testsupport import gateway_apps as services  # noqa: E402
from testsupport import servers  # noqa: E402
from testsupport.processes import Server, find_program, free_port, start  # noqa: E402

REQUESTS = {"bare": 2000, "local": 2000, "local-nocache": 2000, "local+redis": 1000, "remote": 300}
AUDIENCE = "items-api"
App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


class Sample(NamedTuple):
    """One round of one variant, in microseconds per request."""

    p50: float
    p95: float
    cpu_p50: float
    cpu_p95: float


def scope(token: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/v1/items/7",
        "raw_path": b"/v1/items/7",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"bench"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"traceparent", b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
    }


async def one(app: App, request: dict[str, Any]) -> int:
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(request, receive, send)
    return status


def _quantiles(values: list[float]) -> tuple[float, float]:
    values.sort()
    return values[len(values) // 2], values[int(len(values) * 0.95)]


async def measure(app: App, request: dict[str, Any], count: int) -> Sample:
    """p50 and p95 of wall time and of this thread's CPU time per request (us)."""
    for _ in range(20):
        assert await one(app, request) == 200
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(count):
        cpu_started, started = time.thread_time(), time.perf_counter()
        await one(app, request)
        walls.append((time.perf_counter() - started) * 1e6)
        cpus.append((time.thread_time() - cpu_started) * 1e6)
    return Sample(*_quantiles(walls), *_quantiles(cpus))


def gateway(
    key: SigningKey,
    decider: GatewayDecider,
    revocations: Revocations | None = None,
    *,
    cache_size: int = DEFAULT_CACHE_SIZE,
) -> PolicyGateway:
    from prometheus_client import CollectorRegistry

    verifier = TokenVerifier(
        StaticKeys(verification=[key.public()]), revocations=revocations, cache_size=cache_size
    )
    return PolicyGateway(
        services.inner_app(),
        verifier=verifier,
        decider=decider,
        audience=AUDIENCE,
        routes=["/v1/items/{item}"],
        metrics=GatewayMetrics(CollectorRegistry()),
    )


def decision_service(workdir: Path) -> Server:
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "tests.runtime.gateway.services:decision_service",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return start(argv, port, workdir / "decision.log", env=dict(os.environ), cwd=ROOT)


async def verifications_per_second(algorithm: str) -> float:
    key = SigningKey.generate("bench-1", algorithm)
    token = await TokenIssuer(StaticKeys(signing=key)).issue(sub="alice", aud=AUDIENCE)
    verifier = TokenVerifier(StaticKeys(verification=[key.public()]), cache_size=0)
    count = 0
    started = time.perf_counter()
    while time.perf_counter() - started < 1.0:
        await verifier.verify(token, audience=AUDIENCE)
        count += 1
    return count / (time.perf_counter() - started)


async def main(rounds: int, scale: float, with_remote: bool) -> None:
    import tempfile

    from sentinel.runtime.bundles.cache import connect

    workdir = Path(tempfile.mkdtemp(prefix="gateway-bench-"))
    key = SigningKey.generate("gw-1", "ES256")
    token = await TokenIssuer(StaticKeys(signing=key)).issue(sub="alice", aud=AUDIENCE, scope="items:read")
    request = scope(token)
    service = decision_service(workdir) if with_remote else None
    remote = RemoteDecider(f"http://127.0.0.1:{service.port}", timeout_s=2.0) if service else None
    redis_program = find_program("redis-server", "/usr/sbin")
    redis_server = servers.redis(redis_program, workdir / "redis") if redis_program else None
    redis = connect(f"redis://127.0.0.1:{redis_server.port}/0") if redis_server else None
    apps: dict[str, App] = {
        "bare": services.inner_app(),
        "local": gateway(key, LocalDecider(services.decider())),
        "local-nocache": gateway(key, LocalDecider(services.decider()), cache_size=0),
    }
    if redis is not None:
        apps["local+redis"] = gateway(key, LocalDecider(services.decider()), Revocations(redis))
    if remote is not None:
        apps["remote"] = gateway(key, remote)
    results: dict[str, list[Sample]] = {name: [] for name in apps}
    try:
        for _ in range(rounds):
            for name, app in apps.items():
                count = max(50, int(REQUESTS[name] * scale))
                results[name].append(await measure(app, request, count))
    finally:
        if remote is not None:
            await remote.aclose()
        if redis is not None:
            await redis.aclose()
        if service is not None:
            service.stop()
        if redis_server is not None:
            redis_server.stop()

    def med(name: str, field: str) -> float:
        return statistics.median(getattr(sample, field) for sample in results[name])

    print(
        f"{'variant':<14} {'p50 us':>8} {'p95 us':>8} {'cpu p50':>8} {'cpu p95':>8}"
        f" {'added p50':>10} {'added p95':>10} {'added cpu p95':>14}"
    )
    for name in apps:
        row = [med(name, field) for field in Sample._fields]
        added = ""
        if name != "bare":
            added = (
                f" {row[0] - med('bare', 'p50'):>10.0f} {row[1] - med('bare', 'p95'):>10.0f}"
                f" {row[3] - med('bare', 'cpu_p95'):>14.0f}"
            )
        print(f"{name:<14} {row[0]:>8.0f} {row[1]:>8.0f} {row[2]:>8.0f} {row[3]:>8.0f}{added}")
    print(f"(medians of {rounds} interleaved rounds; target: local adds <= 300 us p95)")
    for algorithm in ("ES256", "EdDSA"):
        print(f"token verifications/s {algorithm}: {await verifications_per_second(algorithm):,.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Gateway overhead per request (issue 14).")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every variant's request count")
    parser.add_argument("--no-remote", action="store_true", help="skip the remote decider (and uvicorn)")
    options = parser.parse_args()
    asyncio.run(main(options.rounds, options.scale, not options.no_remote))
