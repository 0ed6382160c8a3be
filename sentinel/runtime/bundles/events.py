"""``constitution.updated``: one event per activation of a new bundle, through the event bus port.

The message is an :class:`~sentinel.runtime.events.envelopes.EventEnvelope` of type
``core.ConstitutionUpdated`` whose payload is ``{tenant, old_hash, new_hash, revision}`` (``old_hash`` is
null for a tenant's first constitution). Its id derives from the tenant, both hashes and the activation
time, so a retried publish of the same activation carries the same id and the bus drops the copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sentinel.runtime.events.bus import EventBus
    from sentinel.runtime.events.envelopes import EventEnvelope

SUBJECT = "constitution.updated"
EVENT_TYPE = "core.ConstitutionUpdated"
SOURCE_REF = "sentinel.bundles"
ACTOR = "service:sentinel-bundle-sync"


@dataclass(frozen=True)
class ConstitutionChange:
    tenant: str
    old_hash: str | None
    new_hash: str
    revision: str
    activated_at: datetime


def envelope(change: ConstitutionChange) -> EventEnvelope:
    from sentinel.runtime.events.envelopes import EventEnvelope

    return EventEnvelope.create(
        event_type=EVENT_TYPE,
        source_ref=SOURCE_REF,
        source_native_id=f"{change.tenant}:{change.old_hash or 'none'}:{change.new_hash}",
        occurred_at=change.activated_at,
        ingested_at=change.activated_at,
        payload={
            "tenant": change.tenant,
            "old_hash": change.old_hash,
            "new_hash": change.new_hash,
            "revision": change.revision,
        },
        correlation_id=change.new_hash,
        causation_type="derived_artifact",
        causation_id=f"sha256:{change.new_hash}",
        actor=ACTOR,
        aggregate_id=f"constitution:{change.tenant}",
    )


async def publish_change(bus: EventBus, change: ConstitutionChange) -> str:
    """Publish the event and return its id; raises PublishError (from the bus) or EnvelopeError."""
    event = envelope(change)
    await bus.publish(SUBJECT, event.event_id, event.to_json())
    return event.event_id
