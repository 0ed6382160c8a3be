"""One look at the governance service for ``sentinel cloud status``: every check bounded, none raising.

The channel check connects once (no retries), sends one heartbeat and waits for its ack; the API checks
call ``/health``, validate the token and list the registry. Each answer becomes a short line; an error
becomes its reason, never a traceback, and never shows the token.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sentinel.errors import SentinelError
from sentinel.runtime.cloud.buffer import AuditBuffer
from sentinel.runtime.cloud.channel import State, tls_context
from sentinel.runtime.cloud.config import CloudConfig
from sentinel.runtime.cloud.heartbeat import (
    ACK,
    MAX_MESSAGE,
    AgentInfo,
    build_heartbeat,
    parse_message,
    rfc3339,
)
from sentinel.runtime.cloud.logs import websockets_logger


@dataclass
class CloudStatus:
    state: str
    endpoint: str
    last_heartbeat_sent: str | None
    last_ack: str | None
    api_health: str
    auth: str
    policy_sync: str
    audit_buffer: str
    healthy: bool


async def probe_channel(
    config: CloudConfig, agent: AgentInfo, timeout: float
) -> tuple[str, str | None, str | None]:
    """``(state, last heartbeat sent, last ack)`` after one connection attempt."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI, WebSocketException

    sent: str | None = None
    try:
        async with asyncio.timeout(timeout):
            async with connect(
                config.endpoint,
                additional_headers=config.auth_headers(),
                ssl=tls_context(config),
                open_timeout=timeout,
                max_size=MAX_MESSAGE,
                ping_interval=None,
                logger=websockets_logger(),
            ) as ws:
                beat = build_heartbeat(agent, datetime.now(UTC), 0)
                await ws.send(json.dumps(beat, separators=(",", ":")))
                sent = beat["timestamp"]
                async for raw in ws:
                    message = parse_message(raw)
                    if message is not None and message.get("type") == ACK:
                        return State.CONNECTED.value, sent, rfc3339(datetime.now(UTC))
    except InvalidStatus as exc:
        return f"{State.DISCONNECTED.value} (handshake refused: HTTP {exc.response.status_code})", sent, None
    except TimeoutError:
        state = "no heartbeat ack" if sent else "timed out"
        return f"{State.DISCONNECTED.value} ({state} within {timeout:g} s)", sent, None
    except (OSError, InvalidHandshake, InvalidURI, WebSocketException) as exc:
        return f"{State.DISCONNECTED.value} ({type(exc).__name__})", sent, None
    return f"{State.DISCONNECTED.value} (closed before the ack)", sent, None


def probe_api(config: CloudConfig, timeout: float) -> tuple[str, str, str]:
    """``(API health, auth state, policy sync state)``."""
    from sentinel.runtime.cloud.clients.auth import AuthClient
    from sentinel.runtime.cloud.clients.errors import APIError
    from sentinel.runtime.cloud.clients.registry import PolicyRegistryClient

    verify: bool | str = str(config.ca_file) if config.ca_file else True
    with AuthClient(
        config.api_url, config.org_id, config.token, timeout=timeout, max_retries=0, verify=verify
    ) as auth:
        try:
            auth.request("GET", "/health")
            health = "ok"
        except APIError as exc:
            answered = f"HTTP {exc.status_code}" if exc.status_code else "no answer"
            health = f"failing: {exc.detail} ({answered})"
        try:
            info = auth.validate()
            auth_state = f"valid (org {info.org_id}, expires {info.expires_at})" if info.valid else "invalid"
        except APIError as exc:
            auth_state = "refused (HTTP 401)" if exc.status_code == 401 else f"unknown: {exc.detail}"
    with PolicyRegistryClient(
        config.api_url, config.org_id, config.token, timeout=timeout, max_retries=0, verify=verify
    ) as registry:
        try:
            policies = registry.list()
            sync = f"{len(policies)} policies in the registry"
        except APIError as exc:
            sync = f"unknown: {exc.detail}"
    return health, auth_state, sync


def buffer_state(config: CloudConfig) -> str:
    if config.audit_buffer is None:
        return "not configured (SENTINEL_CLOUD_AUDIT_BUFFER)"
    if not config.audit_buffer.exists():
        return f"empty (no buffer file yet at {config.audit_buffer})"
    buffer = AuditBuffer(config.audit_buffer, config.audit_buffer_cap)
    try:
        return buffer.status_line()
    finally:
        buffer.close()


def cloud_status(config: CloudConfig, agent: AgentInfo, timeout: float) -> CloudStatus:
    started = time.monotonic()
    state, sent, ack = asyncio.run(probe_channel(config, agent, timeout))
    health, auth_state, sync = probe_api(config, max(1.0, timeout - (time.monotonic() - started)))
    try:
        buffered = buffer_state(config)
    except (OSError, SentinelError, ValueError, sqlite3.Error) as exc:
        buffered = f"unreadable: {type(exc).__name__}"
    healthy = state == State.CONNECTED.value and health == "ok" and auth_state.startswith("valid")
    return CloudStatus(state, config.endpoint, sent, ack, health, auth_state, sync, buffered, healthy)


def as_dict(status: CloudStatus) -> dict[str, object]:
    return asdict(status)
