"""Everything one app instance holds (``app.state.sentinel``): no module-level state anywhere.

The decider is swapped as one reference: a request reads ``state.decider`` once and evaluates with
that object to the end, so a reload never shows a request a half-loaded pack.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from sentinel import __version__
from sentinel.runtime.api.metrics import ServiceMetrics
from sentinel.runtime.api.settings import ServiceSettings
from sentinel.runtime.logs.logger import DecisionLogger

if TYPE_CHECKING:
    from sentinel.runtime.api.ports import DeciderPort
    from sentinel.runtime.logs.sink import DecisionLogSink

log = logging.getLogger(__name__)

DEFAULT_PACK = "default"  # the pack name of the pack every tenant without its own pack gets
MAX_TENANT_LABELS = 1000  # distinct tenant label values per app, beyond which "other"


class ServiceState:
    def __init__(
        self,
        *,
        settings: ServiceSettings,
        decider: DeciderPort | None,
        loader: Callable[[], DeciderPort] | None,
        decision_log: DecisionLogSink | None,
    ) -> None:
        self.settings = settings
        self.metrics = ServiceMetrics()
        self.loader = loader
        # OPA's decision-log labels: this service instance and the software that decided.
        self.log_labels = {"id": str(uuid.uuid4()), "version": __version__}
        self.decision_logger: DecisionLogger | None = None
        if decision_log is not None:
            self.decision_logger = DecisionLogger(
                decision_log,
                mask=settings.decision_log_mask,
                queue_size=settings.decision_log_queue,
                max_bytes=settings.decision_log_max_bytes,
                on_drop=self.metrics.log_dropped.inc,
                on_error=self.metrics.log_errors.inc,
            )
        self.executor: ThreadPoolExecutor | None = None
        if settings.eval_threads > 0:
            self.executor = ThreadPoolExecutor(
                max_workers=settings.eval_threads, thread_name_prefix="sentinel-eval"
            )
        self.decider: DeciderPort | None = None
        self.own_packs: frozenset[str] = frozenset()
        self._seen_tenants: set[str] = set()
        self._reload_lock = asyncio.Lock()
        self.background: set[asyncio.Task[Any]] = set()
        if decider is not None:
            self.install(decider)

    def install(self, decider: DeciderPort) -> None:
        packs: dict[str, tuple[str, str]] = {}
        if decider.revision:
            packs[DEFAULT_PACK] = (decider.revision, decider.constitution_hash)
        for tenant in decider.tenants:
            pack = decider.pack_for(tenant)
            if pack is not None:
                packs[tenant] = (pack.revision, pack.constitution_hash)
        self.metrics.set_revisions(packs)
        self.own_packs = frozenset(decider.tenants)
        self.decider = decider  # one reference assignment: atomic for every reader

    def tenant_label(self, tenant: str, has_pack: bool) -> str:
        """A bounded label value: the tenant if it has a pack and the label budget allows, else
        ``unknown`` (no pack) or ``other`` (past ``MAX_TENANT_LABELS`` distinct tenants)."""
        if not has_pack:
            return "unknown"
        if tenant in self.own_packs or tenant in self._seen_tenants:
            return tenant
        if len(self._seen_tenants) < MAX_TENANT_LABELS:
            self._seen_tenants.add(tenant)
            return tenant
        return "other"

    async def reload(self) -> bool:
        """Load the policies again with ``loader`` (in a thread) and swap them in; on failure keep
        serving the loaded ones (or stay unready). Returns whether the new policies are in use."""
        if self.loader is None:
            return False
        loader = self.loader
        async with self._reload_lock:
            try:
                decider = await asyncio.to_thread(loader)
            except Exception as exc:  # a broken policy must not stop the service that has good ones
                self.metrics.reloads.labels("error").inc()
                log.error(
                    "policy reload failed; keeping the loaded policies",
                    extra={"error_type": type(exc).__name__, "error": str(exc)[:500]},
                )
                return False
            self.install(decider)
            self.metrics.reloads.labels("ok").inc()
            log.info("policies loaded", extra={"revision": decider.revision})
            return True

    def spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    def start(self) -> None:
        if self.decision_logger is not None:
            self.decision_logger.start()

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
        if self.decision_logger is not None:
            self.decision_logger.close()
