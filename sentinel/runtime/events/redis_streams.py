"""Redis Streams adapter of the event bus port (redis-py asyncio): one stream per subject.

``publish`` runs one Lua script: ``SET dedupe-key NX EX window``, then ``XADD stream MAXLEN ~ N * id ..
payload ..`` only if the key was new. So a message re-sent with the same id within the duplicate window
(a relay that crashed after the ack) is stored once, like JetStream's ``Nats-Msg-Id``, and the stream is
bounded. Redis acknowledges after the write in memory; durability is the server's persistence setting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sentinel.runtime.events.bus import MessageRejected, PublishError

if TYPE_CHECKING:
    from redis.asyncio import Redis

DEFAULT_PREFIX = "sentinel:events:"
DEFAULT_MAXLEN = 100_000
DEFAULT_DUPLICATE_WINDOW_S = 120
MAX_MESSAGE_BYTES = 1 << 20
ID_FIELD = "message_id"
PAYLOAD_FIELD = "payload"

_PUBLISH = """
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[4]) then
  return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'message_id', ARGV[1], 'payload', ARGV[2])
end
return false
"""


class RedisStreamsBus:
    """The :class:`~sentinel.runtime.events.bus.EventBus` on Redis Streams (``XADD``, ``MAXLEN`` bound)."""

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = DEFAULT_PREFIX,
        maxlen: int = DEFAULT_MAXLEN,
        duplicate_window_s: int = DEFAULT_DUPLICATE_WINDOW_S,
    ) -> None:
        if maxlen <= 0 or duplicate_window_s <= 0:
            raise ValueError("maxlen and duplicate_window_s must be positive")
        self._client = client
        self._prefix = prefix
        self._maxlen = maxlen
        self._window = duplicate_window_s
        self._script = client.register_script(_PUBLISH)

    def stream(self, subject: str) -> str:
        """The stream key of ``subject``."""
        return self._prefix + subject

    async def publish(self, subject: str, message_id: str, payload: bytes) -> None:
        from redis.exceptions import RedisError, ResponseError

        if len(payload) > MAX_MESSAGE_BYTES:
            raise MessageRejected(f"message is {len(payload)} bytes, more than {MAX_MESSAGE_BYTES}")
        stream = self.stream(subject)
        try:
            await self._script(
                keys=[stream, f"{stream}:seen:{message_id}"],
                args=[message_id, payload, self._maxlen, self._window],
            )
        except ResponseError as exc:
            raise MessageRejected(f"Redis refused the message: {str(exc)[:200]}") from None
        except (RedisError, OSError) as exc:
            raise PublishError(f"Redis publish failed: {type(exc).__name__}") from None

    async def close(self) -> None:
        await self._client.aclose()
