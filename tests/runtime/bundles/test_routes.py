"""The decision service fed by bundle sync, under uvicorn on loopback, with real nginx and real Redis.

``/v1/constitution[/{tenant}]``, the sync gauges on ``/metrics``, readiness, the ``constitution:{tenant}``
record and ``constitution.updated`` read back from the Redis stream, and Redis killed by PID.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import redis as redis_sync
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.applications import Starlette

from sentinel.runtime.bundles.service import create_sync_app
from sentinel.runtime.bundles.sync import BundleSync, SyncConfig
from tests.runtime.bundles.syncing import (
    ec_sync_key,
    eventually,
    key_set,
    make_bundle,
    nginx_root,
    nginx_server,
    place,
    redis_server,
    signing_key,
)
from testsupport import servers
from testsupport.processes import Server, free_port, require_program

__all__ = ["ec_sync_key", "nginx_root", "nginx_server", "redis_server"]

STREAM = "sentinel:events:constitution.updated"
EVALUATE = {"tenant": "acme", "subject": "alice", "action": "delete", "resource": "doc/1"}


@asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """``app`` under uvicorn on a free loopback port, with a client for it."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: server.started or task.done())
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            yield client
    finally:
        server.should_exit = True
        await task


def sync_config(url: str, key: ec.EllipticCurvePrivateKey, tmp_path: Path, **options: Any) -> SyncConfig:
    options.setdefault("interval_s", 0.05)
    options.setdefault("timeout_s", 2.0)
    return SyncConfig(url=url, keys=key_set(key), cache_dir=tmp_path / "cache", **options)


def syncs(app: Starlette) -> list[BundleSync]:
    found: list[BundleSync] = app.state.bundle_syncs
    return found


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(scenario())


def test_the_constitution_route_shows_the_active_bundle(
    nginx_server: Server, nginx_root: Path, ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    place(nginx_root, make_bundle(tmp_path, signing_key(ec_sync_key), "r1"))
    url = f"http://127.0.0.1:{nginx_server.port}/bundles/bundle.tar.gz"
    app = create_sync_app([sync_config(url, ec_sync_key, tmp_path)])

    async def scenario() -> None:
        async with serving(app) as client:
            await eventually(lambda: syncs(app)[0].status.revision == "r1")
            body = (await client.get("/v1/constitution")).json()
            assert body["revision"] == "r1"
            assert body["hash"] == syncs(app)[0].status.constitution_hash
            assert body["signed_by"] == "sync"
            assert body["activated_at"].startswith("20")
            assert body["sync"]["consecutive_failures"] == 0
            decision = (await client.post("/v1/evaluate", json=EVALUATE)).json()
            assert decision["decision"] == "deny"
            assert decision["constitution_hash"] == body["hash"]

    run(scenario)


def test_a_tenant_without_its_own_bundle_is_shown_the_default_one(
    nginx_server: Server, nginx_root: Path, ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    place(nginx_root, make_bundle(tmp_path, signing_key(ec_sync_key), "r1"))
    url = f"http://127.0.0.1:{nginx_server.port}/bundles/bundle.tar.gz"
    app = create_sync_app([sync_config(url, ec_sync_key, tmp_path)])

    async def scenario() -> None:
        async with serving(app) as client:
            await eventually(lambda: syncs(app)[0].status.revision == "r1")
            body = (await client.get("/v1/constitution/acme")).json()
            assert body["tenant"] == "default" and body["revision"] == "r1"

    run(scenario)


def test_a_tenant_bundle_is_shown_for_its_tenant_and_decides_for_it(
    nginx_server: Server, nginx_root: Path, ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    key = signing_key(ec_sync_key)
    place(nginx_root, make_bundle(tmp_path, key, "default-r1"))
    tenant_archive = make_bundle(tmp_path, key, "acme-r1", blocked="read")
    (nginx_root / "acme.tar.gz").write_bytes(tenant_archive)
    base = f"http://127.0.0.1:{nginx_server.port}"
    app = create_sync_app(
        [
            sync_config(f"{base}/bundles/bundle.tar.gz", ec_sync_key, tmp_path / "d"),
            sync_config(f"{base}/acme.tar.gz", ec_sync_key, tmp_path / "a", tenant="acme"),
        ]
    )

    async def scenario() -> None:
        async with serving(app) as client:
            await eventually(lambda: all(s.status.revision for s in syncs(app)))
            assert (await client.get("/v1/constitution/acme")).json()["revision"] == "acme-r1"
            assert (await client.get("/v1/constitution/other")).json()["revision"] == "default-r1"
            read = {**EVALUATE, "action": "read"}
            assert (await client.post("/v1/evaluate", json=read)).json()["decision"] == "deny"
            other = {**read, "tenant": "other"}
            assert (await client.post("/v1/evaluate", json=other)).json()["decision"] == "allow"

    run(scenario)


def test_an_invalid_tenant_in_the_path_is_a_400(
    nginx_server: Server, ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    app = create_sync_app([sync_config(f"http://127.0.0.1:{nginx_server.port}/x", ec_sync_key, tmp_path)])

    async def scenario() -> None:
        async with serving(app) as client:
            response = await client.get("/v1/constitution/a%20b")
            assert response.status_code == 400
            assert response.json()["code"] == "invalid_parameter"

    run(scenario)


def test_without_any_verified_bundle_the_service_is_unready_and_denies(
    nginx_server: Server, ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{nginx_server.port}/bundles/missing.tar.gz"
    app = create_sync_app([sync_config(url, ec_sync_key, tmp_path)])

    async def scenario() -> None:
        async with serving(app) as client:
            await eventually(lambda: syncs(app)[0].status.consecutive_failures >= 1)
            assert (await client.get("/readyz")).status_code == 503
            assert (await client.get("/v1/constitution")).status_code == 503
            answer = await client.post("/v1/evaluate", json={**EVALUATE, "action": "read"})
            assert answer.status_code == 503
            assert answer.json()["decision"] == "deny"

    run(scenario)


def test_the_sync_gauges_are_on_the_metrics_endpoint(
    nginx_server: Server, nginx_root: Path, ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    place(nginx_root, make_bundle(tmp_path, signing_key(ec_sync_key), "r1"))
    url = f"http://127.0.0.1:{nginx_server.port}/bundles/bundle.tar.gz"
    app = create_sync_app([sync_config(url, ec_sync_key, tmp_path)])

    async def scenario() -> None:
        async with serving(app) as client:
            await eventually(lambda: syncs(app)[0].status.revision == "r1")
            digest = syncs(app)[0].status.constitution_hash
            text = (await client.get("/metrics")).text
            assert 'bundle_last_successful_sync_timestamp_seconds{tenant="default"}' in text
            assert (
                f'bundle_revision_info{{constitution_hash="{digest}",revision="r1",tenant="default"}} 1.0'
                in text
            )
            assert 'bundle_sync_consecutive_failures{tenant="default"} 0.0' in text

    run(scenario)


def test_requests_to_the_constitution_routes_are_counted_by_route_and_status(
    nginx_server: Server, ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    app = create_sync_app([sync_config(f"http://127.0.0.1:{nginx_server.port}/x", ec_sync_key, tmp_path)])

    async def scenario() -> None:
        async with serving(app) as client:
            await client.get("/v1/constitution")
            await client.get("/v1/constitution/a%20b")
            text = (await client.get("/metrics")).text
            assert 'constitution_requests_total{route="/v1/constitution",status="503"} 1.0' in text
            assert 'constitution_requests_total{route="/v1/constitution/{tenant}",status="400"} 1.0' in text

    run(scenario)


def test_the_failure_gauge_counts_consecutive_failures(
    nginx_server: Server, ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{nginx_server.port}/bundles/missing.tar.gz"
    app = create_sync_app([sync_config(url, ec_sync_key, tmp_path, min_retry_s=0.01)])

    async def scenario() -> None:
        async with serving(app) as client:
            await eventually(lambda: syncs(app)[0].status.consecutive_failures >= 3)
            text = (await client.get("/metrics")).text
            line = next(x for x in text.splitlines() if x.startswith("bundle_sync_consecutive_failures{"))
            assert float(line.split()[-1]) >= 3

    run(scenario)


def test_a_restarted_service_is_ready_with_the_persisted_bundle_before_any_download(
    nginx_server: Server, nginx_root: Path, ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    place(nginx_root, make_bundle(tmp_path, signing_key(ec_sync_key), "r1"))
    url = f"http://127.0.0.1:{nginx_server.port}/bundles/bundle.tar.gz"
    first = create_sync_app([sync_config(url, ec_sync_key, tmp_path)])

    async def scenario() -> None:
        async with serving(first):
            await eventually(lambda: syncs(first)[0].status.revision == "r1")
        nginx_server.stop()
        second = create_sync_app([sync_config(url, ec_sync_key, tmp_path)])
        async with serving(second) as client:
            assert (await client.get("/readyz")).status_code == 200
            assert (await client.get("/v1/constitution")).json()["revision"] == "r1"
            assert (await client.post("/v1/evaluate", json=EVALUATE)).json()["decision"] == "deny"

    run(scenario)


# Redis: the record and the change event ------------------------------------------------------------


def test_activation_writes_the_constitution_record_to_redis(
    nginx_server: Server,
    nginx_root: Path,
    redis_server: Server,
    ec_sync_key: ec.EllipticCurvePrivateKey,
    tmp_path: Path,
) -> None:
    place(nginx_root, make_bundle(tmp_path, signing_key(ec_sync_key), "r1"))
    url = f"http://127.0.0.1:{nginx_server.port}/bundles/bundle.tar.gz"
    app = create_sync_app(
        [sync_config(url, ec_sync_key, tmp_path)], redis_url=f"redis://127.0.0.1:{redis_server.port}/0"
    )
    direct = redis_sync.Redis(port=redis_server.port)

    async def scenario() -> None:
        async with serving(app):
            await eventually(lambda: direct.get("constitution:default") is not None)
            stored = json.loads(direct.get("constitution:default") or b"{}")
            assert stored["hash"] == syncs(app)[0].status.constitution_hash
            assert stored["revision"] == "r1"

    run(scenario)


def test_a_new_bundle_publishes_constitution_updated_exactly_once(
    nginx_server: Server,
    nginx_root: Path,
    redis_server: Server,
    ec_sync_key: ec.EllipticCurvePrivateKey,
    tmp_path: Path,
) -> None:
    key = signing_key(ec_sync_key)
    place(nginx_root, make_bundle(tmp_path, key, "r1"), mtime=1_000_000)
    url = f"http://127.0.0.1:{nginx_server.port}/bundles/bundle.tar.gz"
    app = create_sync_app(
        [sync_config(url, ec_sync_key, tmp_path)], redis_url=f"redis://127.0.0.1:{redis_server.port}/0"
    )
    direct = redis_sync.Redis(port=redis_server.port)

    async def scenario() -> None:
        async with serving(app):
            sync = syncs(app)[0]
            await eventually(lambda: sync.status.revision == "r1" and direct.xlen(STREAM) == 1)
            first = sync.status.constitution_hash
            place(nginx_root, make_bundle(tmp_path, key, "r2", blocked="read"), mtime=2_000_000)
            await eventually(lambda: sync.status.revision == "r2" and direct.xlen(STREAM) == 2)
            polls = len((tmp_path / "nginx" / "access.log").read_text().splitlines())
            await eventually(
                lambda: len((tmp_path / "nginx" / "access.log").read_text().splitlines()) > polls + 3
            )
            entries = direct.xrange(STREAM)
            assert len(entries) == 2
            last = json.loads(entries[1][1][b"payload"])
            assert last["event_type"] == "core.ConstitutionUpdated"
            assert last["payload"] == {
                "tenant": "default",
                "old_hash": first,
                "new_hash": sync.status.constitution_hash,
                "revision": "r2",
            }
            assert entries[1][1][b"message_id"].decode() == last["event_id"]

    run(scenario)


def test_with_redis_killed_the_service_keeps_its_verified_bundle_and_stays_ready(
    nginx_server: Server,
    nginx_root: Path,
    redis_server: Server,
    ec_sync_key: ec.EllipticCurvePrivateKey,
    tmp_path: Path,
) -> None:
    key = signing_key(ec_sync_key)
    place(nginx_root, make_bundle(tmp_path, key, "r1"), mtime=1_000_000)
    url = f"http://127.0.0.1:{nginx_server.port}/bundles/bundle.tar.gz"
    app = create_sync_app(
        [sync_config(url, ec_sync_key, tmp_path)],
        redis_url=f"redis://127.0.0.1:{redis_server.port}/0",
        redis_timeout=0.3,
    )

    async def scenario() -> None:
        async with serving(app) as client:
            sync = syncs(app)[0]
            await eventually(lambda: sync.status.revision == "r1" and sync.status.pending_notifications == 0)
            redis_server.kill()
            assert (await client.get("/readyz")).status_code == 200
            assert (await client.post("/v1/evaluate", json=EVALUATE)).json()["decision"] == "deny"
            place(nginx_root, make_bundle(tmp_path, key, "r2", blocked="read"), mtime=2_000_000)
            await eventually(lambda: sync.status.revision == "r2")
            assert sync.status.pending_notifications == 2  # the record and the event, retried later
            assert (await client.get("/readyz")).status_code == 200
            assert (await client.post("/v1/evaluate", json=EVALUATE)).json()["decision"] == "allow"

    run(scenario)


def test_the_record_and_the_event_missed_while_redis_was_down_are_written_when_it_is_back(
    nginx_server: Server,
    nginx_root: Path,
    redis_server: Server,
    ec_sync_key: ec.EllipticCurvePrivateKey,
    tmp_path: Path,
) -> None:
    key = signing_key(ec_sync_key)
    place(nginx_root, make_bundle(tmp_path, key, "r1"), mtime=1_000_000)
    url = f"http://127.0.0.1:{nginx_server.port}/bundles/bundle.tar.gz"
    app = create_sync_app(
        [sync_config(url, ec_sync_key, tmp_path)],
        redis_url=f"redis://127.0.0.1:{redis_server.port}/0",
        redis_timeout=0.3,
    )

    async def scenario() -> None:
        async with serving(app):
            sync = syncs(app)[0]
            await eventually(lambda: sync.status.revision == "r1" and sync.status.pending_notifications == 0)
            redis_server.kill()
            place(nginx_root, make_bundle(tmp_path, key, "r2", blocked="read"), mtime=2_000_000)
            await eventually(lambda: sync.status.revision == "r2")
            program = require_program("redis-server", "apt-get install -y redis-server")
            again = tmp_path / "redis-again"
            back = await asyncio.to_thread(servers.redis, program, again, redis_server.port)
            try:
                direct = redis_sync.Redis(port=back.port)
                await eventually(lambda: sync.status.pending_notifications == 0)
                stored = json.loads(direct.get("constitution:default") or b"{}")
                assert stored["revision"] == "r2"
                events = [json.loads(fields[b"payload"]) for _, fields in direct.xrange(STREAM)]
                assert [e["payload"]["revision"] for e in events] == ["r2"]
            finally:
                back.stop()

    run(scenario)


def test_with_redis_down_and_no_verified_bundle_the_service_is_unready(
    redis_server: Server, ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    redis_url = f"redis://127.0.0.1:{redis_server.port}/0"
    redis_server.kill()

    app = create_sync_app(
        [sync_config(f"http://127.0.0.1:{free_port()}/b.tar.gz", ec_sync_key, tmp_path)],
        redis_url=redis_url,
        redis_timeout=0.3,
    )

    async def scenario() -> None:
        async with serving(app) as client:
            await eventually(lambda: syncs(app)[0].status.consecutive_failures >= 1)
            assert (await client.get("/readyz")).status_code == 503
            assert (await client.post("/v1/evaluate", json=EVALUATE)).json()["decision"] == "deny"

    run(scenario)
