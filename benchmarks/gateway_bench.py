"""Gateway overhead per request: the same small app with and without ``PolicyGateway`` (issue 14, "Speed").

Each request is one ASGI call made in process (no HTTP server in the timed path, so the figures are the
middleware's own cost): a GET on ``/v1/items/{item}`` with a valid ES256 bearer token. Variants, interleaved
round by round (5 rounds, medians of the per-round p50/p95):

- ``bare``: the app alone (the peer);
- ``local``: the gateway, decider in process (token verify, decision, headers);
- ``local+redis``: the same plus the ``jti`` revocation check in a real Redis (when redis-server exists);
- ``remote``: the gateway with the decision service's ``/v1/evaluate`` under uvicorn on loopback.

Wall and CPU time (this process) per request; "added" is the variant's p50/p95 minus bare's.
Target: ``local`` adds at most 300 us p95. Then token verifications per second (ES256 and EdDSA).

    .venv/bin/python benchmarks/gateway_bench.py
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sentinel.runtime.gateway.deciders import GatewayDecider, LocalDecider, RemoteDecider  # noqa: E402
from sentinel.runtime.gateway.middleware import PolicyGateway  # noqa: E402
from sentinel.runtime.identity.keys import SigningKey  # noqa: E402
from sentinel.runtime.identity.ports import StaticKeys  # noqa: E402
from sentinel.runtime.identity.revocation import Revocations  # noqa: E402
from sentinel.runtime.identity.tokens import TokenIssuer, TokenVerifier  # noqa: E402
from tests.runtime.gateway import services  # noqa: E402
from testsupport import servers  # noqa: E402
from testsupport.processes import Server, find_program, free_port, start  # noqa: E402

ROUNDS = 5
REQUESTS = {"bare": 2000, "local": 2000, "local+redis": 1000, "remote": 300}
AUDIENCE = "items-api"
App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


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


async def measure(app: App, request: dict[str, Any], count: int) -> tuple[float, float, float]:
    """p50 and p95 wall time (us) and mean CPU time per request (us)."""
    for _ in range(20):
        assert await one(app, request) == 200
    times: list[float] = []
    cpu_started = time.process_time()
    for _ in range(count):
        started = time.perf_counter()
        await one(app, request)
        times.append((time.perf_counter() - started) * 1e6)
    cpu = (time.process_time() - cpu_started) * 1e6 / count
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.95)], cpu


def gateway(
    key: SigningKey, decider: GatewayDecider, revocations: Revocations | None = None
) -> PolicyGateway:
    verifier = TokenVerifier(StaticKeys(verification=[key.public()]), revocations=revocations)
    return PolicyGateway(
        services.inner_app(),
        verifier=verifier,
        decider=decider,
        audience=AUDIENCE,
        routes=["/v1/items/{item}"],
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
    verifier = TokenVerifier(StaticKeys(verification=[key.public()]))
    count = 0
    started = time.perf_counter()
    while time.perf_counter() - started < 1.0:
        await verifier.verify(token, audience=AUDIENCE)
        count += 1
    return count / (time.perf_counter() - started)


async def main() -> None:
    import tempfile

    from sentinel.runtime.bundles.cache import connect

    workdir = Path(tempfile.mkdtemp(prefix="gateway-bench-"))
    key = SigningKey.generate("gw-1", "ES256")
    token = await TokenIssuer(StaticKeys(signing=key)).issue(sub="alice", aud=AUDIENCE, scope="items:read")
    request = scope(token)
    service = decision_service(workdir)
    remote = RemoteDecider(f"http://127.0.0.1:{service.port}", timeout_s=2.0)
    redis_program = find_program("redis-server", "/usr/sbin")
    redis_server = servers.redis(redis_program, workdir / "redis") if redis_program else None
    redis = connect(f"redis://127.0.0.1:{redis_server.port}/0") if redis_server else None
    apps: dict[str, App] = {
        "bare": services.inner_app(),
        "local": gateway(key, LocalDecider(services.decider())),
        "remote": gateway(key, remote),
    }
    if redis is not None:
        apps["local+redis"] = gateway(key, LocalDecider(services.decider()), Revocations(redis))
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in apps}
    try:
        for _ in range(ROUNDS):
            for name, app in apps.items():
                results[name].append(await measure(app, request, REQUESTS[name]))
    finally:
        await remote.aclose()
        if redis is not None:
            await redis.aclose()
        service.stop()
        if redis_server is not None:
            redis_server.stop()

    def med(name: str, index: int) -> float:
        return statistics.median(r[index] for r in results[name])

    print(
        f"{'variant':<12} {'p50 us':>9} {'p95 us':>9} {'cpu/req us':>11} {'added p50':>10} {'added p95':>10}"
    )
    for name in apps:
        p50, p95, cpu = med(name, 0), med(name, 1), med(name, 2)
        added = "" if name == "bare" else f"{p50 - med('bare', 0):>10.0f} {p95 - med('bare', 1):>10.0f}"
        print(f"{name:<12} {p50:>9.0f} {p95:>9.0f} {cpu:>11.0f} {added}")
    print(f"(medians of {ROUNDS} interleaved rounds; target: local adds <= 300 us p95)")
    for algorithm in ("ES256", "EdDSA"):
        print(f"token verifications/s {algorithm}: {await verifications_per_second(algorithm):,.0f}")


if __name__ == "__main__":
    asyncio.run(main())
