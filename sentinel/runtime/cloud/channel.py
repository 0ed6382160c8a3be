"""The WebSocket control channel: connect, heartbeat, notice a stale server, reconnect with backoff.

States: DISCONNECTED -> CONNECTING -> CONNECTED; after a drop RECONNECTING -> CONNECTED; DISCONNECTED
again when stopped, when the retry cap is reached, or when the server refuses the credentials (a 401
or 403 at the handshake is not retried: the same token would be refused again).

Time comes from injected callables (``clock`` monotonic seconds, ``now`` wall time, ``sleep``) so a
test drives heartbeats and backoff without waiting. ``websockets`` is imported when :meth:`run` starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sentinel.errors import SentinelError
from sentinel.runtime.cloud.backoff import Backoff
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

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

log = logging.getLogger(__name__)

STALE_INTERVALS = 3
OPEN_TIMEOUT_S = 10.0


class State(enum.Enum):
    DISCONNECTED = "DISCONNECTED"
    CONNECTING = "CONNECTING"
    CONNECTED = "CONNECTED"
    RECONNECTING = "RECONNECTING"


class ChannelError(SentinelError):
    """The channel stopped for good: retry cap reached, or credentials refused."""


class AuthenticationRefused(ChannelError):
    pass


class RetriesExhausted(ChannelError):
    pass


@dataclass
class ChannelStatus:
    state: State = State.DISCONNECTED
    endpoint: str = ""
    last_heartbeat_sent: str | None = None
    last_ack: str | None = None
    auth_state: str = "unknown"  # unknown | accepted | refused
    connects: int = 0
    failures: int = 0
    heartbeats_resent: int = 0
    stale_events: int = 0
    last_error: str | None = None
    backoff_delays: list[float] = field(default_factory=list)


async def _real_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def _wait_event(event: asyncio.Event) -> None:
    await event.wait()


def _utcnow() -> datetime:
    return datetime.now(UTC)


def tls_context(config: CloudConfig) -> ssl.SSLContext | None:
    """Certificate and host name verification on (the default context); ``ca_file`` adds a private CA."""
    if not config.endpoint.startswith("wss://"):
        return None
    return ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)


class ControlChannel:
    """One agent's connection to the governance endpoint; :meth:`run` until :meth:`stop`."""

    def __init__(
        self,
        config: CloudConfig,
        agent: AgentInfo,
        *,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = _utcnow,
        sleep: Callable[[float], Awaitable[None]] = _real_sleep,
        on_stale: Callable[[ChannelStatus], None] | None = None,
        on_state: Callable[[State], None] | None = None,
    ) -> None:
        self._config = config
        self._agent = agent
        self._backoff = backoff or Backoff(max_retries=config.max_retries)
        self._clock = clock
        self._now = now
        self._sleep = sleep
        self._on_stale = on_stale
        self._on_state = on_state
        self._started = clock()
        self._last_heartbeat: dict[str, Any] | None = None
        self._last_ack_at: float | None = None
        self._stopping = False
        self._stopped: asyncio.Event | None = None
        self._ws: ClientConnection | None = None
        self.status = ChannelStatus(endpoint=config.endpoint)

    def _set_state(self, state: State) -> None:
        if state is not self.status.state:
            log.info("cloud channel state", extra={"state": state.value, "endpoint": self._config.endpoint})
            self.status.state = state
            if self._on_state is not None:
                self._notify(self._on_state, state)

    @staticmethod
    def _notify(callback: Callable[[Any], None], value: object) -> None:
        """Run a caller's callback; its failure is logged, never allowed to stop the channel."""
        try:
            callback(value)
        except Exception:
            log.exception(
                "cloud channel callback failed", extra={"callback": getattr(callback, "__name__", "")}
            )

    async def stop(self) -> None:
        """Close the connection, or end a backoff wait, and make :meth:`run` return."""
        self._stopping = True
        if self._stopped is not None:
            self._stopped.set()
        if self._ws is not None:
            await self._ws.close()

    async def run(self) -> None:
        """Connect and stay connected; return after :meth:`stop`; raise :class:`ChannelError` on giving up."""
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI

        delays = self._backoff.delays()
        self._set_state(State.CONNECTING)
        try:
            while not self._stopping:
                try:
                    ws = await connect(
                        self._config.endpoint,
                        additional_headers=self._config.auth_headers(),
                        ssl=tls_context(self._config),
                        open_timeout=OPEN_TIMEOUT_S,
                        max_size=MAX_MESSAGE,
                        ping_interval=None,
                        logger=websockets_logger(),
                        user_agent_header="sentinel-agent",
                    )
                except InvalidStatus as exc:
                    code = exc.response.status_code
                    if code in (401, 403):
                        self.status.auth_state = "refused"
                        self.status.last_error = f"handshake refused with HTTP {code}"
                        raise AuthenticationRefused(
                            f"cloud endpoint refused the credentials (HTTP {code}); not retrying"
                        ) from None
                    self._failed(f"handshake refused with HTTP {code}")
                except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
                    self._failed(f"{type(exc).__name__}: {str(exc)[:200]}")
                else:
                    delays = self._backoff.delays()
                    await self._connected(ws)
                    if self._stopping:
                        break
                if self._stopping:
                    break
                self._set_state(State.RECONNECTING)
                delay = next(delays, None)
                if delay is None:
                    raise RetriesExhausted(
                        f"cloud endpoint unreachable after {self.status.failures} attempts; giving up"
                    )
                self.status.backoff_delays.append(delay)
                await self._wait_unless_stopped(delay)
        finally:
            self._ws = None
            self._set_state(State.DISCONNECTED)

    async def _wait_unless_stopped(self, seconds: float) -> None:
        if self._stopped is None:
            self._stopped = asyncio.Event()
        waiting: asyncio.Future[None] = asyncio.ensure_future(self._sleep(seconds))
        stopped: asyncio.Future[None] = asyncio.ensure_future(_wait_event(self._stopped))
        try:
            await asyncio.wait([waiting, stopped], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (waiting, stopped):
                task.cancel()

    def _failed(self, reason: str) -> None:
        self.status.failures += 1
        self.status.last_error = reason
        log.warning(
            "cloud channel connect failed", extra={"reason": reason, "failures": self.status.failures}
        )

    async def _send(self, ws: ClientConnection, message: dict[str, Any]) -> None:
        await ws.send(json.dumps(message, separators=(",", ":")))

    async def _heartbeat(self, ws: ClientConnection) -> None:
        message = build_heartbeat(self._agent, self._now(), self._clock() - self._started)
        self._last_heartbeat = message
        await self._send(ws, message)
        self.status.last_heartbeat_sent = message["timestamp"]

    async def _connected(self, ws: ClientConnection) -> None:
        from websockets.exceptions import ConnectionClosed

        self._ws = ws
        self.status.connects += 1
        self.status.auth_state = "accepted"
        self._set_state(State.CONNECTED)
        self._last_ack_at = None
        connected_at = self._clock()
        interval = self._config.heartbeat_interval
        reader = asyncio.create_task(self._read(ws))
        tick: asyncio.Future[None] | None = None
        try:
            if self._last_heartbeat is not None:
                # The server may not have seen the last beat before the drop: send it again, unchanged.
                await self._send(ws, self._last_heartbeat)
                self.status.heartbeats_resent += 1
            else:
                await self._heartbeat(ws)
            while not self._stopping:
                tick = asyncio.ensure_future(self._sleep(interval))
                await asyncio.wait({tick, reader}, return_when=asyncio.FIRST_COMPLETED)
                if reader.done():
                    tick.cancel()
                    return
                since = self._last_ack_at if self._last_ack_at is not None else connected_at
                if self._clock() - since >= STALE_INTERVALS * interval:
                    self.status.stale_events += 1
                    self.status.last_error = f"no heartbeat ack for {STALE_INTERVALS} intervals"
                    log.warning("cloud channel stale", extra={"intervals": STALE_INTERVALS})
                    if self._on_stale is not None:
                        self._notify(self._on_stale, self.status)
                    return
                await self._heartbeat(ws)
        except ConnectionClosed:
            return
        finally:
            if tick is not None:
                tick.cancel()
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await reader
            await ws.close()
            self._ws = None

    async def _read(self, ws: ClientConnection) -> None:
        from websockets.exceptions import ConnectionClosed

        with contextlib.suppress(ConnectionClosed):
            async for raw in ws:
                message = parse_message(raw)
                if message is None:
                    log.warning("cloud channel ignored a malformed message")
                    continue
                if message.get("type") == ACK:
                    self._last_ack_at = self._clock()
                    self.status.last_ack = rfc3339(self._now())
