"""``identity.audit`` receipts: one event envelope per issue, rotation step and revocation.

A receipt names the scope, audience, subject, tenant, kid, jti, issued_at/expires_at, requester and
correlation id; never the token or a key. Publishing goes through the EventBus port and must be acked:
an issuer that cannot record the receipt does not hand out the token.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sentinel.runtime.events.bus import EventBus, PublishError
from sentinel.runtime.identity.errors import IdentityUnavailable

SUBJECT = "identity.audit"
TOKEN_ISSUED = "core.TokenIssued"
TOKEN_REVOKED = "core.TokenRevoked"
KEY_CREATED = "core.SigningKeyCreated"
KEY_RESCHEDULED = "core.SigningKeyRescheduled"
KEY_ACTIVATED = "core.SigningKeyActivated"
KEY_RETIRED = "core.SigningKeyRetired"


def timestamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def derived_correlation_id(native_id: str) -> str:
    """A correlation id from content when the caller gave none (ids are never random)."""
    return "identity-" + hashlib.sha256(native_id.encode()).hexdigest()[:32]


class IdentityAudit:
    """Builds the envelope and publishes it on ``identity.audit``; IdentityUnavailable when not acked."""

    def __init__(
        self,
        bus: EventBus,
        *,
        source_ref: str = "sentinel-identity",
        actor: str = "service:sentinel-identity",
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._bus = bus
        self._source_ref = source_ref
        self._actor = actor
        self._clock = clock

    async def emit(
        self,
        event_type: str,
        native_id: str,
        payload: dict[str, Any],
        *,
        occurred_at: float,
        correlation_id: str | None = None,
        aggregate_id: str | None = None,
    ) -> str:
        """Publish one receipt; returns its event id."""
        from sentinel.runtime.events.envelopes import EnvelopeError, EventEnvelope

        correlation = correlation_id or derived_correlation_id(native_id)
        try:
            envelope = EventEnvelope.create(
                event_type=event_type,
                source_ref=self._source_ref,
                source_native_id=native_id,
                occurred_at=datetime.fromtimestamp(occurred_at, UTC),
                # The identity service is the source: its receipt is ingested as it happens.
                ingested_at=datetime.fromtimestamp(self._clock() if self._clock else occurred_at, UTC),
                payload=payload,
                correlation_id=correlation,
                causation_type="user_action",
                causation_id=correlation,
                actor=self._actor,
                aggregate_id=aggregate_id,
            )
        except EnvelopeError as exc:
            raise IdentityUnavailable(f"the audit receipt is invalid: {exc.message}") from None
        try:
            await self._bus.publish(SUBJECT, envelope.event_id, envelope.to_json())
        except (PublishError, OSError, TimeoutError) as exc:
            raise IdentityUnavailable(f"the audit receipt was not recorded: {type(exc).__name__}") from None
        return envelope.event_id
