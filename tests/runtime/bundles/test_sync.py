"""Bundle sync against real nginx (real ETags, real 304s) and a bundle server that fails on demand."""

from __future__ import annotations

import asyncio
import os
import random
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from sentinel.runtime.bundles.limits import Limits
from sentinel.runtime.bundles.reader import Bundle
from sentinel.runtime.bundles.service import ServiceTarget
from sentinel.runtime.bundles.sync import BUNDLE_FILE, BundleSync, SyncConfig
from sentinel.runtime.decision.models import DecisionRequest
from tests.runtime.bundles.syncing import (
    ec_sync_key,
    eventually,
    key_set,
    make_bundle,
    nginx_root,
    nginx_server,
    place,
    signing_key,
    tamper,
)
from testsupport.bundle_server import BundleServer
from testsupport.processes import Server

__all__ = ["ec_sync_key", "nginx_root", "nginx_server"]

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def request(action: str) -> DecisionRequest:
    return DecisionRequest(tenant="acme", subject="alice", action=action, resource="doc/1")


def make_sync(
    url: str,
    key: ec.EllipticCurvePrivateKey,
    tmp_path: Path,
    target: ServiceTarget | None = None,
    **options: Any,
) -> tuple[BundleSync, ServiceTarget]:
    target = target or ServiceTarget()
    options.setdefault("timeout_s", 2.0)
    config = SyncConfig(url=url, keys=key_set(key), cache_dir=tmp_path / "cache", **options)
    return BundleSync(config, target, clock=lambda: NOW), target


def with_flaky_server(body: Callable[[BundleServer], Awaitable[None]]) -> None:
    async def scenario() -> None:
        server = await BundleServer().start()
        try:
            await body(server)
        finally:
            await server.stop()

    asyncio.run(scenario())


# nginx: ETags and 304 -----------------------------------------------------------------------------


def test_the_first_poll_verifies_and_activates_the_served_bundle(
    nginx_server: Server, nginx_root: Path, ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    archive = make_bundle(tmp_path, signing_key(ec_sync_key), "r1")
    place(nginx_root, archive)
    sync, target = make_sync(
        f"http://127.0.0.1:{nginx_server.port}/bundles/bundle.tar.gz", ec_sync_key, tmp_path
    )

    assert asyncio.run(sync.poll_once()) == "activated"
    assert target.decider is not None
    assert target.decider.evaluate(request("delete")).decision == "deny"
    assert target.decider.evaluate(request("read")).decision == "allow"
    assert sync.status.revision == "r1"
    assert sync.status.signed_by == "sync"
    assert sync.status.last_success == NOW


def test_an_unchanged_bundle_is_answered_304_with_the_last_etag(
    nginx_server: Server, nginx_root: Path, ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    place(nginx_root, make_bundle(tmp_path, signing_key(ec_sync_key), "r1"))
    sync, _ = make_sync(f"http://127.0.0.1:{nginx_server.port}/bundles/bundle.tar.gz", ec_sync_key, tmp_path)

    async def scenario() -> list[str]:
        return [await sync.poll_once(), await sync.poll_once()]

    assert asyncio.run(scenario()) == ["activated", "unchanged"]
    access = (tmp_path / "nginx" / "access.log").read_text().splitlines()
    assert [line.split('"')[2].split()[0] for line in access] == ["200", "304"]


def test_a_new_bundle_on_the_server_replaces_the_active_one(
    nginx_server: Server, nginx_root: Path, ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    key = signing_key(ec_sync_key)
    place(nginx_root, make_bundle(tmp_path, key, "r1"), mtime=1_000_000)
    sync, target = make_sync(
        f"http://127.0.0.1:{nginx_server.port}/bundles/bundle.tar.gz", ec_sync_key, tmp_path
    )

    async def scenario() -> None:
        await sync.poll_once()
        first = sync.status.constitution_hash
        place(nginx_root, make_bundle(tmp_path, key, "r2", blocked="read"), mtime=2_000_000)
        assert await sync.poll_once() == "activated"
        assert sync.active is not None and sync.active.old_hash == first

    asyncio.run(scenario())
    assert sync.status.revision == "r2"
    assert target.decider is not None
    assert target.decider.evaluate(request("read")).decision == "deny"
    assert target.decider.evaluate(request("delete")).decision == "allow"


def test_the_background_task_picks_up_a_new_bundle_within_its_interval(
    nginx_server: Server, nginx_root: Path, ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    key = signing_key(ec_sync_key)
    place(nginx_root, make_bundle(tmp_path, key, "r1"), mtime=1_000_000)
    sync, _ = make_sync(
        f"http://127.0.0.1:{nginx_server.port}/bundles/bundle.tar.gz", ec_sync_key, tmp_path, interval_s=0.05
    )

    async def scenario() -> None:
        task = asyncio.create_task(sync.run())
        try:
            await eventually(lambda: sync.status.revision == "r1")
            place(nginx_root, make_bundle(tmp_path, key, "r2"), mtime=2_000_000)
            await eventually(lambda: sync.status.revision == "r2")
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    asyncio.run(scenario())


def test_a_missing_bundle_404_is_a_failure_and_nothing_is_active(
    nginx_server: Server, ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    sync, target = make_sync(
        f"http://127.0.0.1:{nginx_server.port}/bundles/none.tar.gz", ec_sync_key, tmp_path
    )

    assert asyncio.run(sync.poll_once()) == "failed"
    assert target.decider is None
    assert sync.status.last_error_reason == "http_status"
    assert sync.status.last_success is None


# Keep-last-good ----------------------------------------------------------------------------------


def keeps_last_good(
    ec_sync_key: ec.EllipticCurvePrivateKey,
    tmp_path: Path,
    breakage: Callable[[BundleServer], Awaitable[None]],
    reason: str,
    **options: Any,
) -> None:
    """Activate r1, break the server with ``breakage``, poll: r1 stays, the failure is counted."""
    good = make_bundle(tmp_path, signing_key(ec_sync_key), "r1")

    async def body(server: BundleServer) -> None:
        await server.publish(good)
        sync, target = make_sync(server.url, ec_sync_key, tmp_path, **options)
        assert await sync.poll_once() == "activated"
        good_hash = sync.status.constitution_hash
        await breakage(server)
        assert await sync.poll_once() == "failed"
        assert await sync.poll_once() == "failed"
        assert sync.status.constitution_hash == good_hash
        assert sync.status.consecutive_failures == 2
        assert sync.status.last_error_reason == reason
        assert target.decider is not None and target.decider.constitution_hash == good_hash
        assert target.decider.evaluate(request("delete")).decision == "deny"
        assert (tmp_path / "cache" / BUNDLE_FILE).read_bytes() == good

    with_flaky_server(body)


def test_a_500_keeps_the_last_good_bundle(ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path) -> None:
    async def fail(server: BundleServer) -> None:
        server.mode = "status"

    keeps_last_good(ec_sync_key, tmp_path, fail, "http_status")


def test_a_server_that_never_answers_times_out_and_keeps_the_last_good_bundle(
    ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    async def hang(server: BundleServer) -> None:
        await server.publish(b"changed")
        server.mode = "hang"

    keeps_last_good(ec_sync_key, tmp_path, hang, "timeout", timeout_s=0.3)


def test_a_truncated_body_keeps_the_last_good_bundle(
    ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    other = make_bundle(tmp_path, signing_key(ec_sync_key), "r2", blocked="read")

    async def truncate(server: BundleServer) -> None:
        await server.publish(other)
        server.mode = "truncate"

    keeps_last_good(ec_sync_key, tmp_path, truncate, "truncated")


def test_an_endless_body_is_cut_at_the_size_limit_and_keeps_the_last_good_bundle(
    ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    async def flood(server: BundleServer) -> None:
        await server.publish(b"changed")
        server.mode = "flood"

    keeps_last_good(ec_sync_key, tmp_path, flood, "too_large", limits=Limits(max_archive_bytes=256 * 1024))


def test_a_bundle_signed_with_another_key_keeps_the_last_good_bundle(
    ec_sync_key: ec.EllipticCurvePrivateKey, other_ec_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    forged = make_bundle(tmp_path / "forged", signing_key(other_ec_key), "r2", blocked="read")

    async def forge(server: BundleServer) -> None:
        await server.publish(forged)

    keeps_last_good(ec_sync_key, tmp_path, forge, "bad_signature")


def test_a_tampered_bundle_keeps_the_last_good_bundle(
    ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    signed = make_bundle(tmp_path / "t", signing_key(ec_sync_key), "r2")
    tampered = tamper(signed, "sentinel/data.json", b'{"blocked": "nothing"}')

    async def swap(server: BundleServer) -> None:
        await server.publish(tampered)

    keeps_last_good(ec_sync_key, tmp_path, swap, "digest_mismatch")


def test_a_signed_bundle_whose_policy_does_not_compile_keeps_the_last_good_bundle(
    ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    broken = make_bundle(
        tmp_path / "b",
        signing_key(ec_sync_key),
        "r2",
        policy="package sentinel.decision\n\ndeny contains x if {\n",
    )

    async def publish(server: BundleServer) -> None:
        await server.publish(broken)

    keeps_last_good(ec_sync_key, tmp_path, publish, "activation_failed")


def test_a_good_poll_after_failures_resets_the_failure_count(
    ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    async def body(server: BundleServer) -> None:
        await server.publish(make_bundle(tmp_path, signing_key(ec_sync_key), "r1"))
        sync, _ = make_sync(server.url, ec_sync_key, tmp_path)
        server.mode = "status"
        await sync.poll_once()
        server.mode = "ok"
        assert await sync.poll_once() == "activated"
        assert sync.status.consecutive_failures == 0
        assert sync.status.last_error_reason is None

    with_flaky_server(body)


# Restart -----------------------------------------------------------------------------------------


def test_a_restart_serves_the_persisted_bundle_before_any_download(
    ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    async def body(server: BundleServer) -> None:
        await server.publish(make_bundle(tmp_path, signing_key(ec_sync_key), "r1"))
        first, _ = make_sync(server.url, ec_sync_key, tmp_path)
        await first.poll_once()
        server.mode = "status"
        requests_before = len(server.requests)

        restarted, target = make_sync(server.url, ec_sync_key, tmp_path)
        activation = restarted.restore()

        assert activation is not None and activation.restored
        assert len(server.requests) == requests_before
        assert target.decider is not None and target.decider.revision == "r1"
        assert restarted.status.constitution_hash == first.status.constitution_hash
        assert await restarted.poll_once() == "failed"
        assert target.decider.revision == "r1"

    with_flaky_server(body)


def test_a_restart_sends_the_persisted_etag_and_takes_304_as_unchanged(
    ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    async def body(server: BundleServer) -> None:
        await server.publish(make_bundle(tmp_path, signing_key(ec_sync_key), "r1"))
        first, _ = make_sync(server.url, ec_sync_key, tmp_path)
        await first.poll_once()
        restarted, _ = make_sync(server.url, ec_sync_key, tmp_path)
        restarted.restore()
        assert await restarted.poll_once() == "unchanged"
        assert server.requests[-1].get("if-none-match") == server.etag

    with_flaky_server(body)


def test_a_persisted_bundle_that_fails_verification_is_not_served(
    ec_sync_key: ec.EllipticCurvePrivateKey, other_ec_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / BUNDLE_FILE).write_bytes(make_bundle(tmp_path, signing_key(other_ec_key), "evil"))
    sync, target = make_sync("http://127.0.0.1:9/b.tar.gz", ec_sync_key, tmp_path)

    assert sync.restore() is None
    assert target.decider is None
    assert sync.status.constitution_hash is None


def test_a_tampered_persisted_bundle_is_not_served(
    ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    signed = make_bundle(tmp_path, signing_key(ec_sync_key), "r1")
    (cache / BUNDLE_FILE).write_bytes(tamper(signed, "sentinel/data.json", b'{"blocked": "x"}'))
    sync, target = make_sync("http://127.0.0.1:9/b.tar.gz", ec_sync_key, tmp_path)

    assert sync.restore() is None
    assert target.decider is None


def test_the_persisted_bundle_is_replaced_whole_and_leaves_no_temp_file(
    ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    key = signing_key(ec_sync_key)
    second = make_bundle(tmp_path, key, "r2", blocked="read")

    async def body(server: BundleServer) -> None:
        await server.publish(make_bundle(tmp_path, key, "r1"))
        sync, _ = make_sync(server.url, ec_sync_key, tmp_path)
        await sync.poll_once()
        await server.publish(second)
        await sync.poll_once()

    with_flaky_server(body)
    assert (tmp_path / "cache" / BUNDLE_FILE).read_bytes() == second
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["bundle.json", "bundle.tar.gz"]


# Atomic swap -------------------------------------------------------------------------------------


def test_decisions_during_swaps_always_match_one_whole_bundle(
    ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    key = signing_key(ec_sync_key)
    bundles = {
        "delete": make_bundle(tmp_path, key, "blocks-delete", blocked="delete"),
        "read": make_bundle(tmp_path, key, "blocks-read", blocked="read"),
    }
    target = ServiceTarget()
    seen: list[tuple[str, str, str]] = []
    stop = threading.Event()

    def decide() -> None:
        while not stop.is_set():
            decider = target.decider
            if decider is None:
                continue
            deny_read = decider.evaluate(request("read"))
            seen.append((deny_read.policy_revision, deny_read.constitution_hash, deny_read.decision))

    async def body(server: BundleServer) -> None:
        sync, _ = make_sync(server.url, ec_sync_key, tmp_path, target=target)
        worker = threading.Thread(target=decide)
        worker.start()
        try:
            for round_ in range(6):
                await server.publish(bundles["read" if round_ % 2 else "delete"])
                assert await sync.poll_once() == "activated"
        finally:
            stop.set()
            await asyncio.to_thread(worker.join)

    with_flaky_server(body)
    hashes = {revision: digest for revision, digest, _ in seen}
    assert set(hashes) == {"blocks-delete", "blocks-read"}
    for revision, digest, decision in seen:
        assert digest == hashes[revision]
        assert decision == ("deny" if revision == "blocks-read" else "allow")


# Long polling ------------------------------------------------------------------------------------


def test_long_polling_waits_at_the_server_and_activates_as_soon_as_a_bundle_appears(
    ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    key = signing_key(ec_sync_key)
    second = make_bundle(tmp_path, key, "r2", blocked="read")

    async def body(server: BundleServer) -> None:
        await server.publish(make_bundle(tmp_path, key, "r1"))
        sync, _ = make_sync(server.url, ec_sync_key, tmp_path, long_poll_s=20)
        assert await sync.poll_once() == "activated"
        assert sync.status.long_polling and sync.next_delay() == 0.0
        waiting = asyncio.create_task(sync.poll_once())
        await eventually(lambda: len(server.requests) == 2)
        assert not waiting.done()
        await server.publish(second)
        assert await asyncio.wait_for(waiting, 5) == "activated"
        assert server.requests[-1]["prefer"] == "modes=snapshot;wait=20"
        assert server.requests[-1]["accept"] == "application/vnd.openpolicyagent.bundles"

    with_flaky_server(body)


def test_a_long_poll_that_times_out_at_the_server_is_unchanged(
    ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    async def body(server: BundleServer) -> None:
        await server.publish(make_bundle(tmp_path, signing_key(ec_sync_key), "r1"))
        sync, _ = make_sync(server.url, ec_sync_key, tmp_path, long_poll_s=1)
        await sync.poll_once()
        assert await sync.poll_once() == "unchanged"

    with_flaky_server(body)


# Schedule and hygiene ----------------------------------------------------------------------------


def test_the_poll_delay_is_the_interval_with_jitter_and_backs_off_after_failures(
    ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    config = SyncConfig(url="http://127.0.0.1:9/b", keys=key_set(ec_sync_key), interval_s=300, jitter=0.1)
    sync = BundleSync(config, ServiceTarget(), rng=random.Random(7))
    delays = [sync.next_delay() for _ in range(200)]
    assert all(270 <= d <= 330 for d in delays) and len(set(delays)) > 100

    async def fail_three() -> list[float]:
        out = []
        for _ in range(3):
            await sync.poll_once()
            out.append(sync.next_delay())
        return out

    assert asyncio.run(fail_three()) == [1.0, 2.0, 4.0]


def test_credentials_in_the_url_never_reach_the_status_or_the_logs(
    ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = "http://user:s3cret@127.0.0.1:9/bundle.tar.gz?token=t0ken"
    sync, _ = make_sync(url, ec_sync_key, tmp_path, headers={"Authorization": "Bearer b3arer"})
    with caplog.at_level("DEBUG"):
        asyncio.run(sync.poll_once())
    text = repr(sync.status) + "".join(repr(r.__dict__) for r in caplog.records)
    assert sync.status.url == "http://127.0.0.1:9/bundle.tar.gz"
    for secret in ("s3cret", "t0ken", "b3arer"):
        assert secret not in text


def test_a_bundle_that_is_the_active_one_is_not_activated_again(
    ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    archive = make_bundle(tmp_path, signing_key(ec_sync_key), "r1")
    calls: list[str] = []

    class Recording(ServiceTarget):
        def activate(self, bundle: Bundle, tenant: str | None) -> None:
            calls.append(bundle.revision)
            super().activate(bundle, tenant)

    async def body(server: BundleServer) -> None:
        await server.publish(archive)
        sync, _ = make_sync(server.url, ec_sync_key, tmp_path, target=Recording())
        await sync.poll_once()
        server.etag_salt = "rotated"  # the same bytes under a new ETag: downloaded again
        assert await sync.poll_once() == "unchanged"

    with_flaky_server(body)
    assert calls == ["r1"]


def test_a_redirect_is_not_followed(ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path) -> None:
    async def redirect(server: BundleServer) -> None:
        server.mode, server.status = "status", 302

    keeps_last_good(ec_sync_key, tmp_path, redirect, "http_status")


def test_a_bundle_whose_content_length_exceeds_the_limit_keeps_the_last_good_bundle(
    ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    big = make_bundle(tmp_path / "big", signing_key(ec_sync_key), "r2", blocked=os.urandom(20_000).hex())

    async def publish(server: BundleServer) -> None:
        await server.publish(big)

    small = len(make_bundle(tmp_path / "s", signing_key(ec_sync_key), "r1")) + 1000
    assert len(big) > small
    keeps_last_good(ec_sync_key, tmp_path, publish, "too_large", limits=Limits(max_archive_bytes=small))


def test_a_bundle_that_cannot_be_persisted_is_still_activated(
    ec_sync_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    (tmp_path / "cache").write_text("a file where the cache folder should be")

    async def body(server: BundleServer) -> None:
        await server.publish(make_bundle(tmp_path, signing_key(ec_sync_key), "r1"))
        sync, target = make_sync(server.url, ec_sync_key, tmp_path)
        assert await sync.poll_once() == "activated"
        assert target.decider is not None and target.decider.revision == "r1"

    with_flaky_server(body)
