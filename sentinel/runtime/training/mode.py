"""Training mode: enable and disable it for a tenant, as an admin, through the decision.

Every transition is decided first (actions ``training.enable`` / ``training.disable`` on resource
``training:{tenant}``, with the caller's scopes in the context: the admin capability is a policy, not a
list in code), then applied to the lock, then recorded: a ``training.audit`` event (owner, tenant, time,
transition) and the ``training_mode_state{tenant}`` gauge. A transition whose audit event was not acked is
undone (enable) or reported as failed: no silent transition. Could not decide, Redis down, bus down:
:class:`TrainingUnavailable`; denied: :class:`TrainingForbidden`; held by another: :class:`TrainingBusy`.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sentinel.errors import SentinelError
from sentinel.runtime.training.lock import Lease, TrainingLock, TrainingUnavailable

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from sentinel.runtime.events.bus import EventBus
    from sentinel.runtime.gateway.deciders import GatewayDecider

log = logging.getLogger(__name__)

SUBJECT = "training.audit"
ENABLED = "core.TrainingModeEnabled"
DISABLED = "core.TrainingModeDisabled"
RENEWED = "core.TrainingModeRenewed"
LOST = "core.TrainingModeLost"
ACTION_ENABLE = "training.enable"
ACTION_DISABLE = "training.disable"


class TrainingForbidden(SentinelError):
    """The decision denied the transition."""


class TrainingBusy(SentinelError):
    """Training mode is already on for the tenant (someone else holds the lock)."""


class TrainingMode:
    """See the module docstring. ``decider`` is the gateway's decider port (in process or remote)."""

    def __init__(
        self,
        lock: TrainingLock,
        decider: GatewayDecider,
        bus: EventBus,
        registry: CollectorRegistry,
        *,
        source_ref: str = "sentinel-training",
        clock: Callable[[], float] = time.time,
    ) -> None:
        from prometheus_client import Gauge

        self._lock = lock
        self._decider = decider
        self._bus = bus
        self._source_ref = source_ref
        self._clock = clock
        self.state = Gauge(
            "training_mode_state",
            "1 while training mode is on for the tenant (this instance holds the lock), else 0.",
            ["tenant"],
            registry=registry,
        )

    async def enable(self, tenant: str, subject: str, scopes: Sequence[str]) -> Lease:
        """Turn training mode on for ``tenant`` with ``subject`` as the owner."""
        await self._authorize(ACTION_ENABLE, tenant, subject, scopes)
        lease = await self._lock.acquire(tenant, subject)
        if lease is None:
            raise TrainingBusy(f"training mode is already on for tenant {tenant!r}")
        try:
            await self._audit(ENABLED, lease)
        except TrainingUnavailable:
            await self._lock.release(lease)
            raise
        self.state.labels(tenant).set(1)
        return lease

    async def renew(self, lease: Lease) -> bool:
        """Keep training mode on; False (state 0, ``TrainingModeLost`` recorded) when the lease was lost."""
        if await self._lock.renew(lease):
            return True
        self.state.labels(lease.tenant).set(0)
        await self._audit(LOST, lease)
        return False

    async def disable(self, lease: Lease, subject: str, scopes: Sequence[str]) -> bool:
        """Turn training mode off; False when the lease no longer held the lock (it had expired)."""
        await self._authorize(ACTION_DISABLE, lease.tenant, subject, scopes)
        released = await self._lock.release(lease)
        self.state.labels(lease.tenant).set(0)
        await self._audit(DISABLED if released else LOST, lease, by=subject)
        return released

    async def holder(self, tenant: str) -> str | None:
        return await self._lock.holder(tenant)

    async def _authorize(self, action: str, tenant: str, subject: str, scopes: Sequence[str]) -> None:
        from pydantic import ValidationError

        from sentinel.runtime.decision.models import DecisionRequest
        from sentinel.runtime.gateway.deciders import DecisionUnavailable

        try:
            request = DecisionRequest(
                tenant=tenant,
                subject=subject,
                action=action,
                resource=f"training:{tenant}",
                context={"scopes": list(scopes)},
            )
        except ValidationError:
            raise TrainingForbidden("the request cannot be decided (bad tenant or subject)") from None
        try:
            decision = await self._decider.decide(request)
        except DecisionUnavailable as exc:
            raise TrainingUnavailable(f"the transition could not be decided: {exc.reason}") from None
        if decision.decision != "allow":
            log.info("training transition denied", extra={"tenant": tenant, "action": action})
            raise TrainingForbidden(f"the policy denies {action} for tenant {tenant!r}")

    async def _audit(self, event_type: str, lease: Lease, *, by: str | None = None) -> None:
        from sentinel.runtime.events.bus import PublishError
        from sentinel.runtime.events.envelopes import EnvelopeError, EventEnvelope

        now = self._clock()
        lease_id = hashlib.sha256(lease.value).hexdigest()[:32]
        native_id = f"{lease.tenant}:{event_type}:{lease_id}:{int(now * 1000)}"
        try:
            envelope = EventEnvelope.create(
                event_type=event_type,
                source_ref=self._source_ref,
                source_native_id=native_id,
                occurred_at=datetime.fromtimestamp(now, UTC),
                payload={
                    "tenant": lease.tenant,
                    "owner": lease.owner,
                    "by": by or lease.owner,
                    "lease": lease_id,
                    "ttl_ms": lease.ttl_ms,
                    "at": datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                },
                correlation_id=f"training-{lease_id}",
                causation_type="user_action",
                causation_id=f"training-{lease_id}",
                actor="service:sentinel-training",
                aggregate_id=lease.tenant,
            )
            await self._bus.publish(SUBJECT, envelope.event_id, envelope.to_json())
        except (EnvelopeError, PublishError, OSError, TimeoutError) as exc:
            raise TrainingUnavailable(f"the {SUBJECT} event was not recorded: {type(exc).__name__}") from None
        log.info("training transition", extra={"tenant": lease.tenant, "event_type": event_type})
