"""Bundle sync inside the decision service: the activation target, the after-activation steps, the wiring.

``attach(app, syncs, ...)`` gives an app made by ``create_app(loader=restorer(...))`` its sync tasks:
they start after the app's own start-up (which restored the persisted bundles through the loader) and
stop with it. Activating a bundle compiles a whole new pack first and swaps it in as one reference
(``Decider.load_pack`` and ``ServiceState.install``), so a request sees the old pack or the new one.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from sentinel.errors import UsageError
from sentinel.runtime.bundles.cache import ConstitutionCache, ConstitutionRecord
from sentinel.runtime.bundles.errors import BundleError
from sentinel.runtime.bundles.events import ConstitutionChange, publish_change
from sentinel.runtime.bundles.reader import Bundle
from sentinel.runtime.bundles.sync import (
    Activation,
    AfterActivation,
    BundleSync,
    SyncConfig,
    start_all,
    stop_all,
)

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from sentinel.runtime.api.settings import ServiceSettings
    from sentinel.runtime.api.state import ServiceState
    from sentinel.runtime.decision.decider import Decider
    from sentinel.runtime.events.bus import EventBus
    from sentinel.runtime.logs.sink import DecisionLogSink

log = logging.getLogger(__name__)


class ServiceTarget:
    """Activates bundles into one :class:`Decider` shared by every sync of the service."""

    def __init__(
        self,
        *,
        decision_package: str = "sentinel.decision",
        time_limit_ms: int = 100,
        classify_risk: bool = True,
    ) -> None:
        self.decision_package = decision_package
        self.time_limit_ms = time_limit_ms
        self.classify_risk = classify_risk
        self.state: ServiceState | None = None
        self._decider: Decider | None = None
        self._lock = threading.Lock()

    @property
    def decider(self) -> Decider | None:
        return self._decider

    def activate(self, bundle: Bundle, tenant: str | None) -> None:
        from sentinel.runtime.decision.decider import Decider
        from sentinel.runtime.decision.packs import PackSet

        with self._lock:
            decider = self._decider
            if decider is None:
                decider = Decider(
                    PackSet(None, {}),
                    decision_package=self.decision_package,
                    time_limit_ms=self.time_limit_ms,
                    classify_risk=self.classify_risk,
                )
            decider.load_pack(
                bundle.modules,
                bundle.data,
                revision=bundle.revision,
                constitution_hash=bundle.constitution_hash,
                tenant=tenant,
            )
            self._decider = decider
            if self.state is not None:
                self.state.install(decider)


def restorer(target: ServiceTarget, syncs: Sequence[BundleSync]) -> Callable[[], Decider]:
    """A ``create_app`` loader: restore every persisted bundle (verified again); raise if none is active,
    so the service stays unready until the first download succeeds."""

    def load() -> Decider:
        for sync in syncs:
            if sync.active is None:
                sync.restore()
        if target.decider is None or not any(sync.active for sync in syncs):
            raise BundleError("no_bundle", "no verified bundle yet; waiting for the first download")
        return target.decider

    return load


class CacheStep:
    """Writes ``constitution:{tenant}`` after each activation, and after a restore."""

    on_restore = True
    latest_only = True

    def __init__(self, cache: ConstitutionCache) -> None:
        self._cache = cache

    async def __call__(self, change: Activation) -> None:
        await self._cache.write(
            ConstitutionRecord(
                tenant=change.tenant,
                hash=change.constitution_hash,
                revision=change.revision,
                activated_at=change.activated_at,
            )
        )


class EventStep:
    """Publishes ``constitution.updated`` after each activation of a new bundle (not after a restore)."""

    on_restore = False
    latest_only = False

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus

    async def __call__(self, change: Activation) -> None:
        await publish_change(
            self._bus,
            ConstitutionChange(
                tenant=change.tenant,
                old_hash=change.old_hash,
                new_hash=change.constitution_hash,
                revision=change.revision,
                activated_at=change.activated_at,
            ),
        )


def attach(
    app: Starlette,
    target: ServiceTarget,
    syncs: Sequence[BundleSync],
    closers: Sequence[Callable[[], Awaitable[None]]] = (),
) -> None:
    """Run ``syncs`` with ``app``: started after its start-up, cancelled before its shutdown (then
    ``closers`` run, e.g. the Redis clients')."""
    state: ServiceState = app.state.sentinel
    target.state = state
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(the_app: Starlette) -> AsyncIterator[None]:
        async with inner(the_app):
            tasks = start_all(list(syncs))
            try:
                yield
            finally:
                await stop_all(tasks)
                for close in closers:
                    with contextlib.suppress(Exception):
                        await close()

    app.router.lifespan_context = lifespan


def create_sync_app(
    configs: Sequence[SyncConfig],
    *,
    redis_url: str | None = None,
    redis_timeout: float = 2.0,
    settings: ServiceSettings | None = None,
    decision_log: DecisionLogSink | None = None,
    classify_risk: bool = True,
) -> Starlette:
    """The decision service fed by bundle sync: ``/v1/constitution`` routes, sync gauges, and with
    ``redis_url`` the ``constitution:{tenant}`` records and ``constitution.updated`` on a Redis stream.

    The syncs are on ``app.state.bundle_syncs``. Until a bundle is active (restored or downloaded) the
    service is unready and denies."""
    from sentinel.runtime.api.app import create_app
    from sentinel.runtime.api.settings import ServiceSettings
    from sentinel.runtime.bundles.cache import connect
    from sentinel.runtime.bundles.routes import ConstitutionEndpoints
    from sentinel.runtime.events.redis_streams import RedisStreamsBus

    names = [config.name for config in configs]
    if not configs or len(set(names)) != len(names):
        raise UsageError("give one bundle source per tenant (and at most one default)")
    settings = settings or ServiceSettings()
    target = ServiceTarget(
        decision_package=settings.decision_package,
        time_limit_ms=settings.eval_timeout_ms,
        classify_risk=classify_risk,
    )
    steps: tuple[AfterActivation, ...] = ()
    closers: list[Callable[[], Awaitable[None]]] = []
    if redis_url is not None:
        try:
            cache = ConstitutionCache(connect(redis_url, timeout=redis_timeout))
            bus = RedisStreamsBus(connect(redis_url, timeout=redis_timeout))
        except ValueError:
            raise UsageError("the Redis URL must look like redis://HOST:PORT/DB") from None
        steps = (CacheStep(cache), EventStep(bus))
        closers = [cache.close, bus.close]
    syncs = [BundleSync(config, target, after_activation=steps) for config in configs]
    endpoints = ConstitutionEndpoints(syncs)
    app = create_app(
        loader=restorer(target, syncs),
        settings=settings,
        decision_log=decision_log,
        extra_routes=endpoints.routes(),
    )
    endpoints.register_metrics(app.state.sentinel.metrics.registry)
    attach(app, target, syncs, closers)
    app.state.bundle_syncs = syncs
    return app
