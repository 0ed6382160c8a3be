"""A relay in its own process, for the crash tests: ``python relay_worker.py DB BROKER URL [DIE_AFTER]``.

BROKER is ``nats`` or ``kafka``. It relays until killed. With DIE_AFTER = n it SIGKILLs itself right
after the n-th batch was acked by the broker and before the outbox marks it sent: the worst moment.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence

from sentinel.runtime.events.bus import OutgoingMessage, PublishError
from sentinel.runtime.events.kafka import KafkaBus
from sentinel.runtime.events.nats_jetstream import NatsJetStreamBus
from sentinel.runtime.events.outbox import OutboxStore
from sentinel.runtime.events.relay import Backoff, Relay


class DieAfterAck:
    """Forwards to the real adapter; SIGKILLs this process once batch ``die_after`` was acked."""

    def __init__(self, bus: NatsJetStreamBus | KafkaBus, die_after: int) -> None:
        self._bus = bus
        self._left = die_after

    async def publish(self, subject: str, message_id: str, payload: bytes) -> None:
        await self._bus.publish(subject, message_id, payload)

    async def publish_many(self, messages: Sequence[OutgoingMessage]) -> list[PublishError | None]:
        results = await self._bus.publish_many(messages)
        self._left -= 1
        if self._left == 0:
            os.kill(os.getpid(), signal.SIGKILL)
        return results

    async def close(self) -> None:
        await self._bus.close()


async def main(db: str, broker: str, url: str, die_after: int) -> None:
    bus: NatsJetStreamBus | KafkaBus
    if broker == "nats":
        bus = await NatsJetStreamBus.connect(url, ack_timeout=2.0)
    else:
        bus = await KafkaBus.connect(url, delivery_timeout=10.0)
    relay = Relay(OutboxStore.open(db), DieAfterAck(bus, die_after) if die_after else bus,
                  batch_size=100, backoff=Backoff(base=0.05, cap=0.5))
    print("relaying", flush=True)
    await relay.run(asyncio.Event())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 0))
