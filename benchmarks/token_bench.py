"""Token verification per second: Sentinel's verifier against PyJWT's bare ``jwt.decode`` (the floor).

    .venv/bin/python benchmarks/token_bench.py [--rounds 7] [--tokens 2000]

For ES256 and EdDSA, the same ``--tokens`` distinct tokens are verified by each contender; every round
runs every contender once, interleaved. The table shows medians of wall time and CPU time
(``time.process_time``) per verification and verifications per second (wall).

- ``pyjwt.decode``: ``jwt.decode(token, key, algorithms=[alg], audience=..., issuer=...)``, the floor;
- ``sentinel-nocache``: ``TokenVerifier.verify`` with a static key set and the verified-signature cache
  off (header, duplicate-claim and claim checks, the pinned algorithm, the signature every time);
- ``sentinel-cached``: the same verifier with its cache on and warmed (an untimed pass first): what a
  token costs from its second use on (the key-set, time, audience and constitution checks still run);
- ``sentinel+redis``: ``sentinel-cached`` plus the ``jti`` revocation check in a real redis-server on
  loopback (one ``EXISTS`` per token, never cached); skipped when redis-server is not installed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Replace this folder on the path: benchmarks/secrets.py would shadow the standard library's secrets.
sys.path[0] = str(ROOT)

import jwt  # noqa: E402

from sentinel.runtime.bundles.cache import connect  # noqa: E402
from sentinel.runtime.identity import (  # noqa: E402
    Revocations,
    SigningKey,
    StaticKeys,
    TokenIssuer,
    TokenVerifier,
)
from testsupport import servers  # noqa: E402
from testsupport.processes import find_program  # noqa: E402

AUDIENCE = "chat-api"
ISSUER = "sentinel"


def _issue(key: SigningKey, count: int) -> list[str]:
    issuer = TokenIssuer(StaticKeys(key), issuer=ISSUER)

    async def run() -> list[str]:
        return [
            await issuer.issue(sub=f"user-{i}", aud=AUDIENCE, scope="chat:read chat:write", tenant="acme")
            for i in range(count)
        ]

    return asyncio.run(run())


def _timed(loop: asyncio.AbstractEventLoop, work: Callable[[], Awaitable[None]]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    loop.run_until_complete(work())
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--tokens", type=int, default=2000)
    args = parser.parse_args()
    redis_program = find_program("redis-server", "/usr/sbin")
    redis_server = servers.redis(redis_program, Path(tempfile.mkdtemp()) / "redis") if redis_program else None
    loop = asyncio.new_event_loop()
    rows: list[tuple[str, str, float, float]] = []
    try:
        client = connect(f"redis://127.0.0.1:{redis_server.port}/0") if redis_server else None
        for algorithm in ("ES256", "EdDSA"):
            key = SigningKey.generate("bench-1", algorithm)
            public = key.private_key.public_key()
            tokens = _issue(key, args.tokens)
            plain = TokenVerifier(StaticKeys(key), issuer=ISSUER, cache_size=0)
            cached = TokenVerifier(StaticKeys(key), issuer=ISSUER)

            async def floor(
                alg: str = algorithm, public_key: Any = public, batch: list[str] = tokens
            ) -> None:
                for token in batch:
                    jwt.decode(token, public_key, algorithms=[alg], audience=AUDIENCE, issuer=ISSUER)

            async def ours(verifier: TokenVerifier = plain, batch: list[str] = tokens) -> None:
                for token in batch:
                    await verifier.verify(token, audience=AUDIENCE)

            async def ours_cached(verifier: TokenVerifier = cached, batch: list[str] = tokens) -> None:
                for token in batch:
                    await verifier.verify(token, audience=AUDIENCE)

            contenders: dict[str, Callable[[], Awaitable[None]]] = {
                "pyjwt.decode": floor,
                "sentinel-nocache": ours,
                "sentinel-cached": ours_cached,
            }
            if client is not None:
                with_redis = TokenVerifier(StaticKeys(key), issuer=ISSUER, revocations=Revocations(client))

                async def ours_redis(verifier: TokenVerifier = with_redis, batch: list[str] = tokens) -> None:
                    for token in batch:
                        await verifier.verify(token, audience=AUDIENCE)

                contenders["sentinel+redis"] = ours_redis
            for work in contenders.values():
                loop.run_until_complete(work())  # warm-up: imports, connections, the caches
            samples: dict[str, list[tuple[float, float]]] = {name: [] for name in contenders}
            for _ in range(args.rounds):
                for name, work in contenders.items():
                    samples[name].append(_timed(loop, work))
            for name, runs in samples.items():
                wall = statistics.median(w for w, _ in runs) / args.tokens
                cpu = statistics.median(c for _, c in runs) / args.tokens
                rows.append((algorithm, name, wall, cpu))
        if client is not None:
            loop.run_until_complete(client.aclose())
    finally:
        loop.close()
        if redis_server is not None:
            redis_server.stop()
    print(f"{args.tokens} tokens x {args.rounds} rounds, medians")
    print(f"{'alg':<6} {'contender':<17} {'wall us/op':>11} {'cpu us/op':>10} {'verif/s':>9}")
    for algorithm, name, wall, cpu in rows:
        print(f"{algorithm:<6} {name:<17} {wall * 1e6:>11.1f} {cpu * 1e6:>10.1f} {1 / wall:>9.0f}")


if __name__ == "__main__":
    main()
