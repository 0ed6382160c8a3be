"""Every issued token leaves an ``identity.audit`` receipt on the bus (real Redis Streams); without the
receipt there is no token."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sentinel.runtime.bundles.cache import connect
from sentinel.runtime.events.envelopes import parse_event
from sentinel.runtime.events.redis_streams import RedisStreamsBus
from sentinel.runtime.identity import IdentityAudit, IdentityUnavailable, SigningKey, StaticKeys, TokenIssuer
from testsupport.processes import Server

from .conftest import AUDIENCE, NOW, Clock, redis_url


def test_issue_receipt_names_scope_audience_times_requester_and_correlation(
    redis_server: Server, es_key: SigningKey, clock: Clock
) -> None:
    async def scenario() -> tuple[str, dict[str, object], bytes, str]:
        client = connect(redis_url(redis_server))
        bus = RedisStreamsBus(client)
        issuer = TokenIssuer(StaticKeys(es_key), audit=IdentityAudit(bus, clock=clock), clock=clock)
        token = await issuer.issue(
            sub="user-1",
            aud=AUDIENCE,
            scope="chat:read",
            tenant="acme",
            ttl_s=120,
            requester="service:sessions",
            correlation_id="req-77",
        )
        entries: Any = await client.xrange(bus.stream("identity.audit"))
        await client.aclose()
        raw = entries[0][1][b"payload"]
        event = parse_event(raw)
        return event.event_type, event.payload, raw, token

    event_type, payload, raw, token = asyncio.run(scenario())
    assert event_type == "core.TokenIssued"
    assert {k: payload[k] for k in ("scope", "audience", "requester", "issued_at", "expires_at")} == {
        "scope": ["chat:read"],
        "audience": AUDIENCE,
        "requester": "service:sessions",
        "issued_at": "2027-01-15T08:00:00Z",
        "expires_at": "2027-01-15T08:02:00Z",
    }
    assert b"req-77" in raw
    assert token.split(".")[2].encode() not in raw


def test_no_token_is_returned_when_the_receipt_cannot_be_recorded(
    redis_server: Server, es_key: SigningKey, clock: Clock
) -> None:
    async def scenario() -> None:
        client = connect(redis_url(redis_server), timeout=0.5)
        issuer = TokenIssuer(StaticKeys(es_key), audit=IdentityAudit(RedisStreamsBus(client)), clock=clock)
        redis_server.stop()
        try:
            await issuer.issue(sub="user-1", aud=AUDIENCE)
        finally:
            await client.aclose()

    with pytest.raises(IdentityUnavailable, match="not recorded"):
        asyncio.run(scenario())


def test_receipt_timestamps_follow_the_injected_clock() -> None:
    from sentinel.runtime.identity.audit import timestamp

    assert timestamp(NOW) == "2027-01-15T08:00:00Z"
