"""Bundle sync: poll a bundle URL, verify, activate, keep the last good bundle (OPA's bundle plugin).

One :class:`BundleSync` per bundle source. A poll sends ``If-None-Match`` with the ETag of the active
bundle (304: unchanged), streams the body with a byte cap under a total time limit, verifies it with
:func:`~sentinel.runtime.bundles.reader.read_bundle` and the trusted keys, and only then hands it to the
:class:`Target`, which compiles it and swaps it in as one reference. Any failure (HTTP error, timeout,
truncated body, bad signature, tampered file, a policy that does not compile) keeps the active bundle
and counts a consecutive failure. The last good bundle is persisted (temp file, fsync, rename, fsync of
the folder), so a restart serves it, verified again, before the first download succeeds.

Long polling as OPA 1.x does it: the request carries ``Prefer: modes=snapshot;wait=N`` (OPA sends
``modes=snapshot,delta``; Sentinel takes no delta bundles) and
``Accept: application/vnd.openpolicyagent.bundles``; a server that answers with that content type holds
the request until the bundle changes or N seconds pass (then 304), and the next poll starts at once.
A server that ignores the header (nginx) gets ordinary polling.

After an activation the :class:`AfterActivation` hooks write ``constitution:{tenant}`` to Redis and
publish ``constitution.updated``; their failures are retried on the next poll and never undo or block
an activation (Redis and the bus hold hashes, never policies).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol
from urllib.parse import urlsplit, urlunsplit

from sentinel.errors import SentinelError, UsageError
from sentinel.runtime.bundles.cache import DEFAULT_TENANT, check_tenant
from sentinel.runtime.bundles.errors import BundleError
from sentinel.runtime.bundles.limits import Limits
from sentinel.runtime.bundles.reader import Bundle, read_bundle
from sentinel.runtime.bundles.signing import KeySet

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

LONG_POLL_TYPE = "application/vnd.openpolicyagent.bundles"
BUNDLE_FILE = "bundle.tar.gz"
META_FILE = "bundle.json"
MAX_ETAG_CHARS = 512
MAX_META_BYTES = 4096
MAX_PENDING = 100

Outcome = Literal["activated", "unchanged", "failed"]


class SyncFailure(Exception):
    """A poll that did not give a bundle to activate; ``reason`` is a stable code, the message is safe
    to log (no URL credentials, no response body)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason


class Target(Protocol):
    def activate(self, bundle: Bundle, tenant: str | None) -> None:
        """Compile ``bundle`` and swap it in (``tenant`` None: the default pack); raise to refuse it.
        Called in a worker thread, never concurrently with itself for one sync."""


class AfterActivation(Protocol):
    """A step after each activation (the Redis record, the change event)."""

    @property
    def on_restore(self) -> bool:
        """Whether a bundle restored from disk at start-up (not a change) also runs this step."""

    @property
    def latest_only(self) -> bool:
        """Whether only the newest activation matters (a record) rather than each one (an event)."""

    async def __call__(self, change: Activation) -> None:
        """Tell the world; raise to be called again with the same change on the next poll."""


@dataclass(frozen=True)
class SyncConfig:
    """Where to poll and what to trust. ``headers`` (e.g. Authorization) are sent, never logged."""

    url: str
    keys: KeySet
    cache_dir: Path | None = None
    tenant: str | None = None
    scope: str | None = None
    interval_s: float = 300.0
    jitter: float = 0.1
    long_poll_s: int | None = None
    timeout_s: float = 30.0
    connect_timeout_s: float = 5.0
    min_retry_s: float = 1.0
    limits: Limits = field(default_factory=Limits)
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError("the bundle URL must be an http:// or https:// URL with a host")
        if self.tenant is not None:
            try:
                check_tenant(self.tenant)
            except ValueError as exc:
                raise UsageError(f"bundle tenant: {exc}") from None
        if self.interval_s <= 0 or self.timeout_s <= 0 or self.min_retry_s <= 0:
            raise UsageError("the poll interval, retry delay and download timeout must be positive")
        if not 0 <= self.jitter < 1:
            raise UsageError("jitter is a fraction of the interval between 0 and 1")
        if self.long_poll_s is not None and not 1 <= self.long_poll_s <= 3600:
            raise UsageError("the long-poll wait is between 1 and 3600 seconds")

    @property
    def name(self) -> str:
        """The tenant this bundle serves (``default``: every tenant without a pack of its own)."""
        return self.tenant or DEFAULT_TENANT

    @property
    def safe_url(self) -> str:
        """The URL without credentials, query or fragment: what logs and status may show."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        netloc = f"[{host}]" if ":" in host else host
        if parts.port is not None:
            netloc += f":{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


@dataclass(frozen=True)
class Activation:
    """A bundle that became active: ``old_hash`` is the one it replaced (None for the first). Holds no
    bundle content, so a backlog of notifications stays small."""

    tenant: str
    constitution_hash: str
    revision: str
    signed_by: str | None
    old_hash: str | None
    activated_at: datetime
    restored: bool  # loaded from disk at start-up rather than downloaded


@dataclass(frozen=True)
class SyncStatus:
    """What the routes and the gauges show; ``last_error`` is a reason code and a safe message."""

    tenant: str
    url: str
    revision: str | None = None
    constitution_hash: str | None = None
    signed_by: str | None = None
    activated_at: datetime | None = None
    last_success: datetime | None = None
    last_attempt: datetime | None = None
    consecutive_failures: int = 0
    last_error: str | None = None
    last_error_reason: str | None = None
    pending_notifications: int = 0
    long_polling: bool = False


def _utcnow() -> datetime:
    return datetime.now(UTC)


def write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` so a crash leaves the old file or the new one, never a mix."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class BundleSync:
    """Polls one bundle source and keeps its last good bundle active; see the module docstring."""

    def __init__(
        self,
        config: SyncConfig,
        target: Target,
        *,
        after_activation: tuple[AfterActivation, ...] = (),
        clock: Callable[[], datetime] = _utcnow,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self._target = target
        self._after = after_activation
        self._clock = clock
        self._rng = rng or random.Random()
        self._client: httpx.AsyncClient | None = None
        self._active: Activation | None = None
        self._etag: str | None = None
        self._pending: list[tuple[int, Activation]] = []  # (hook index, change) still to deliver
        self._status = SyncStatus(tenant=config.name, url=config.safe_url)
        self._activate_lock = threading.Lock()
        self._wake = asyncio.Event()
        self._dir = Path(config.cache_dir) if config.cache_dir is not None else None

    # State ---------------------------------------------------------------------------------------

    @property
    def status(self) -> SyncStatus:
        return replace(self._status, pending_notifications=len(self._pending))

    @property
    def active(self) -> Activation | None:
        return self._active

    def trigger(self) -> None:
        """Poll now instead of at the end of the current wait."""
        self._wake.set()

    # Disk ----------------------------------------------------------------------------------------

    def _persist(self, archive: bytes, bundle: Bundle, etag: str | None) -> None:
        if self._dir is None:
            return
        self._dir.mkdir(parents=True, exist_ok=True)
        write_atomically(self._dir / BUNDLE_FILE, archive)
        meta = {"constitution_hash": bundle.constitution_hash, "etag": etag}
        write_atomically(self._dir / META_FILE, json.dumps(meta).encode())

    def _persisted_etag(self, bundle: Bundle) -> str | None:
        assert self._dir is not None
        try:
            with (self._dir / META_FILE).open("rb") as handle:
                meta = json.loads(handle.read(MAX_META_BYTES + 1)[:MAX_META_BYTES])
            etag = meta.get("etag") if meta.get("constitution_hash") == bundle.constitution_hash else None
        except (OSError, ValueError, AttributeError):
            return None
        ok = isinstance(etag, str) and len(etag) <= MAX_ETAG_CHARS and etag.isascii() and etag.isprintable()
        return etag if ok else None

    def restore(self) -> Activation | None:
        """Activate the persisted bundle, verified again (blocking: call it in a thread or at start-up).

        Returns None, leaving the state as it was, when there is none or it fails verification."""
        if self._dir is None or not (self._dir / BUNDLE_FILE).exists():
            return None
        cfg = self.config
        try:
            bundle = read_bundle(
                self._dir / BUNDLE_FILE, keys=cfg.keys, scope=cfg.scope, limits=cfg.limits, now=self._clock()
            )
            with self._activate_lock:
                self._target.activate(bundle, cfg.tenant)
                activation = self._record(bundle, self._persisted_etag(bundle), restored=True)
        except Exception as exc:  # a bad file on disk must not stop the service: it waits for a download
            reason = exc.reason if isinstance(exc, BundleError) else "activation_failed"
            log.error(
                "persisted bundle refused",
                extra={"tenant": cfg.name, "reason": reason, "error": _safe(exc)},
            )
            return None
        log.info(
            "persisted bundle restored",
            extra={"tenant": cfg.name, "revision": bundle.revision, "hash": bundle.constitution_hash},
        )
        return activation

    def _record(self, bundle: Bundle, etag: str | None, *, restored: bool) -> Activation:
        now = self._clock()
        old = self._active
        activation = Activation(
            tenant=self.config.name,
            constitution_hash=bundle.constitution_hash,
            revision=bundle.revision,
            signed_by=bundle.signed_by,
            old_hash=old.constitution_hash if old is not None else None,
            activated_at=now,
            restored=restored,
        )
        self._active = activation
        self._etag = etag
        self._status = replace(
            self._status,
            revision=bundle.revision,
            constitution_hash=bundle.constitution_hash,
            signed_by=bundle.signed_by,
            activated_at=now,
        )
        for index, hook in enumerate(self._after):
            if restored and not hook.on_restore:
                continue
            if hook.latest_only:
                self._pending = [(i, a) for i, a in self._pending if i != index]
            self._pending.append((index, activation))
        if len(self._pending) > MAX_PENDING:
            log.error(
                "after-activation backlog full; dropping the oldest", extra={"tenant": self.config.name}
            )
            self._pending = self._pending[-MAX_PENDING:]
        return activation

    # HTTP ----------------------------------------------------------------------------------------

    def _http(self) -> httpx.AsyncClient:
        import httpx

        if self._client is None:
            cfg = self.config
            wait = cfg.long_poll_s or 0
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(cfg.timeout_s + wait, connect=cfg.connect_timeout_s),
                follow_redirects=False,
                headers={"User-Agent": "sentinel-bundle-sync", "Accept-Encoding": "identity"},
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _download(self) -> tuple[bytes, str | None] | None:
        """(body, ETag) of a new bundle, or None for 304; raises SyncFailure."""
        import httpx

        cfg = self.config
        headers = dict(cfg.headers)
        if self._etag is not None and self._active is not None:
            headers["If-None-Match"] = self._etag
        if cfg.long_poll_s is not None:
            headers["Prefer"] = f"modes=snapshot;wait={cfg.long_poll_s}"
            headers["Accept"] = LONG_POLL_TYPE
        cap = cfg.limits.max_archive_bytes
        try:
            async with asyncio.timeout(cfg.timeout_s + (cfg.long_poll_s or 0)):
                async with self._http().stream("GET", cfg.url, headers=headers) as response:
                    long_polling = response.headers.get("content-type", "").startswith(LONG_POLL_TYPE)
                    self._status = replace(self._status, long_polling=long_polling)
                    if response.status_code == 304:
                        if self._active is None:
                            raise SyncFailure("not_modified", "304 without an active bundle")
                        return None
                    if response.status_code != 200:
                        raise SyncFailure("http_status", f"the server answered {response.status_code}")
                    length = response.headers.get("content-length")
                    if length is not None and length.isdigit() and int(length) > cap:
                        raise SyncFailure("too_large", f"the bundle is larger than {cap} bytes")
                    chunks: list[bytes] = []
                    size = 0
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > cap:
                            raise SyncFailure("too_large", f"the bundle is larger than {cap} bytes")
                        chunks.append(chunk)
                    etag = response.headers.get("etag")
        except TimeoutError:
            raise SyncFailure("timeout", "the download did not finish in time") from None
        except httpx.TimeoutException:
            raise SyncFailure("timeout", "the server did not answer in time") from None
        except httpx.RemoteProtocolError:
            raise SyncFailure("truncated", "the connection ended before the whole response") from None
        except httpx.HTTPError as exc:
            raise SyncFailure("connection", f"{type(exc).__name__}") from None
        if etag is not None and (len(etag) > MAX_ETAG_CHARS or not (etag.isascii() and etag.isprintable())):
            etag = None
        return b"".join(chunks), etag

    # Polling -------------------------------------------------------------------------------------

    def _activate_download(self, archive: bytes, etag: str | None) -> Activation | None:
        """Verify, compile, persist, swap (in a worker thread). None: the same bundle as the active one."""
        cfg = self.config
        bundle = read_bundle(archive, keys=cfg.keys, scope=cfg.scope, limits=cfg.limits, now=self._clock())
        with self._activate_lock:
            active = self._active
            if active is not None and active.constitution_hash == bundle.constitution_hash:
                self._etag = etag
                self._try_persist(archive, bundle, etag)
                return None
            self._target.activate(bundle, cfg.tenant)
            self._try_persist(archive, bundle, etag)
            return self._record(bundle, etag, restored=False)

    def _try_persist(self, archive: bytes, bundle: Bundle, etag: str | None) -> None:
        try:
            self._persist(archive, bundle, etag)
        except OSError as exc:  # serving the verified bundle matters more; the old file stays verified
            log.error("cannot persist the bundle", extra={"tenant": self.config.name, "error": _safe(exc)})

    async def poll_once(self) -> Outcome:
        """One poll: download, verify, activate; then deliver pending notifications."""
        cfg = self.config
        now = self._clock()
        self._status = replace(self._status, last_attempt=now)
        outcome: Outcome
        try:
            downloaded = await self._download()
            if downloaded is None:
                outcome = "unchanged"
            else:
                activation = await asyncio.to_thread(self._activate_download, *downloaded)
                outcome = "unchanged" if activation is None else "activated"
                if activation is not None:
                    log.info(
                        "bundle activated",
                        extra={
                            "tenant": cfg.name,
                            "revision": activation.revision,
                            "hash": activation.constitution_hash,
                            "old_hash": activation.old_hash,
                        },
                    )
        except (SyncFailure, BundleError) as exc:
            self._failed(exc.reason, _safe(exc))
            outcome = "failed"
        except Exception as exc:  # a policy that does not compile, a defect: keep the last good bundle
            if not isinstance(exc, SentinelError):
                log.error("bundle activation failed unexpectedly", exc_info=True, extra={"tenant": cfg.name})
            self._failed("activation_failed", _safe(exc))
            outcome = "failed"
        else:
            self._status = replace(
                self._status,
                last_success=self._clock(),
                consecutive_failures=0,
                last_error=None,
                last_error_reason=None,
            )
        await self._deliver()
        return outcome

    def _failed(self, reason: str, message: str) -> None:
        failures = self._status.consecutive_failures + 1
        self._status = replace(
            self._status, consecutive_failures=failures, last_error=message, last_error_reason=reason
        )
        log.warning(
            "bundle sync failed; keeping the active bundle",
            extra={
                "tenant": self.config.name,
                "url": self.config.safe_url,
                "reason": reason,
                "error": message,
                "consecutive_failures": failures,
                "active_hash": self._status.constitution_hash,
            },
        )

    async def _deliver(self) -> None:
        """Run the after-activation hooks still owed, oldest first; a failure keeps it for next time."""
        remaining: list[tuple[int, Activation]] = []
        for index, activation in self._pending:
            try:
                await self._after[index](activation)
            except Exception as exc:  # Redis or the bus down: try again on the next poll
                log.warning(
                    "after-activation step failed; will retry",
                    extra={"tenant": self.config.name, "step": index, "error": _safe(exc)},
                )
                remaining.append((index, activation))
        self._pending = remaining

    def next_delay(self) -> float:
        """Seconds until the next poll: 0 while long polling works, backoff after failures, else the
        interval with jitter."""
        cfg = self.config
        failures = self._status.consecutive_failures
        if failures:
            return min(cfg.interval_s, cfg.min_retry_s * 2 ** min(failures - 1, 30))
        if self._status.long_polling:
            return 0.0
        spread = cfg.interval_s * cfg.jitter
        return max(0.0, cfg.interval_s + self._rng.uniform(-spread, spread))

    async def run(self) -> None:
        """Poll until cancelled (the app's lifespan starts and cancels it)."""
        try:
            while True:
                await self.poll_once()
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.next_delay()):
                        await self._wake.wait()
        finally:
            await self.aclose()


def _safe(exc: BaseException) -> str:
    """An error message fit for logs: bounded, and for unknown exceptions only the type."""
    if isinstance(exc, SyncFailure | SentinelError | OSError):
        return str(exc)[:500]
    return type(exc).__name__


def start_all(syncs: list[BundleSync]) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(sync.run(), name=f"bundle-sync-{sync.config.name}") for sync in syncs]


async def stop_all(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
