"""The event bus interface: publish, and durable subscriptions with explicit acks.

Subjects are dot-separated (``doorstep.clips.uploaded``). A durable subscription
remembers, under its name, which messages were acknowledged: a consumer that stops
and comes back with the same name continues where it left off, and a message that
was fetched but not acknowledged within ``ack_wait`` is delivered again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class BusMessage:
    subject: str
    data: bytes
    sequence: int
    deliveries: int
    ack_token: object


class Subscription(Protocol):
    async def fetch(self, *, batch: int = 10, timeout: float = 1.0) -> list[BusMessage]:
        """Wait up to ``timeout`` seconds for at most ``batch`` messages; [] when none came."""
        ...

    async def ack(self, message: BusMessage) -> None: ...

    async def close(self) -> None: ...


class EventBus(Protocol):
    async def connect(self) -> None: ...

    async def publish(self, subject: str, data: bytes) -> int:
        """Publish and return the message's sequence number once the bus has stored it."""
        ...

    async def subscribe(
        self, subject: str, *, durable: str, ack_wait: float = 30.0
    ) -> Subscription: ...

    async def check(self) -> None:
        """Raise BusError when the bus can't be reached (used by /readyz)."""
        ...

    async def close(self) -> None: ...
