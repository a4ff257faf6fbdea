"""In-process event bus for one asyncio loop: the stand-in for NATS in tests and small hubs.

It keeps the semantics of a JetStream stream with durable pull consumers: every
published message is appended to one log (sequences from 1); a durable subscription,
known by its name, has a cursor into that log and a map of messages delivered but not
yet acknowledged, each with a deadline. When a deadline passes, the next ``fetch``
delivers the message again with ``deliveries`` incremented. A new durable starts at
the beginning of the log, as a JetStream consumer with the default deliver policy does.

Memory is not bounded: the log keeps every message for the lifetime of the bus and
nothing survives the process. Use NATS for a hub that runs for long.

The subject and name rules below are NATS's; the NATS backend checks them too, so
both backends refuse the same subjects and durable names.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from doorstep.errors import BusError
from doorstep.hub.bus.base import BusMessage
from doorstep.hub.bus.subjects import check_durable_name, check_subject, subject_matches


@dataclass
class _Log:
    """What the bus and its subscriptions share: the messages and a wake-up for waiters."""

    entries: list[tuple[str, bytes]] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    connected: bool = False

    def require_connected(self) -> None:
        if not self.connected:
            raise BusError("the in-memory event bus is not connected")


@dataclass
class _Pending:
    deliveries: int
    deadline: float


@dataclass
class _Durable:
    name: str
    subject: str
    ack_wait: float
    cursor: int = 0  # the last sequence looked at; later ones have never been delivered
    pending: dict[int, _Pending] = field(default_factory=dict)


@dataclass(frozen=True)
class _AckToken:
    durable: str
    sequence: int


class MemoryEventBus:
    def __init__(self, subjects: Sequence[str] = ("doorstep.>",)) -> None:
        for pattern in subjects:
            check_subject(pattern, wildcards=True)
        self._subjects = tuple(subjects)
        self._log = _Log()
        self._durables: dict[str, _Durable] = {}

    async def connect(self) -> None:
        self._log.connected = True

    async def publish(self, subject: str, data: bytes) -> int:
        self._log.require_connected()
        check_subject(subject, wildcards=False)
        if not any(subject_matches(pattern, subject) for pattern in self._subjects):
            raise BusError(f"no stream stores subject {subject!r}")
        self._log.entries.append((subject, bytes(data)))
        async with self._log.changed:
            self._log.changed.notify_all()
        return len(self._log.entries)

    async def subscribe(
        self, subject: str, *, durable: str, ack_wait: float = 30.0
    ) -> MemorySubscription:
        """Open, or resume, the durable subscription ``durable``.

        An existing durable keeps the ``ack_wait`` it was created with, as in JetStream.
        """
        self._log.require_connected()
        check_subject(subject, wildcards=True)
        check_durable_name(durable)
        if ack_wait <= 0:
            raise ValueError("ack_wait must be positive")
        state = self._durables.setdefault(durable, _Durable(durable, subject, ack_wait))
        if state.subject != subject:
            raise BusError(
                f"durable {durable!r} already follows {state.subject!r}, not {subject!r}"
            )
        return MemorySubscription(self._log, state)

    async def check(self) -> None:
        self._log.require_connected()

    async def close(self) -> None:
        """Disconnect; the log and the durables stay, for a later connect()."""
        self._log.connected = False
        async with self._log.changed:
            self._log.changed.notify_all()


class MemorySubscription:
    def __init__(self, log: _Log, durable: _Durable) -> None:
        self._log = log
        self._durable = durable
        self._closed = False

    async def fetch(self, *, batch: int = 10, timeout: float = 1.0) -> list[BusMessage]:
        if batch < 1:
            raise ValueError("batch must be at least 1")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        loop = asyncio.get_running_loop()
        give_up = loop.time() + timeout
        async with self._log.changed:
            while True:
                self._log.require_connected()
                if self._closed:
                    raise BusError(f"subscription {self._durable.name!r} is closed")
                now = loop.time()
                messages = self._take(batch, now)
                if messages or now >= give_up:
                    return messages
                # Sleep until a publish, the next redelivery, or the end of the wait.
                next_deadline = min(
                    (pending.deadline for pending in self._durable.pending.values()),
                    default=math.inf,
                )
                try:
                    async with asyncio.timeout(min(give_up, next_deadline) - now):
                        await self._log.changed.wait()
                except TimeoutError:
                    pass

    async def ack(self, message: BusMessage) -> None:
        """Acknowledge ``message``; acknowledging it again does nothing."""
        self._log.require_connected()
        token = message.ack_token
        if not isinstance(token, _AckToken) or token.durable != self._durable.name:
            raise BusError(
                f"message {message.sequence} was not delivered to {self._durable.name!r}"
            )
        self._durable.pending.pop(token.sequence, None)

    async def close(self) -> None:
        """Stop fetching; unacknowledged messages stay pending under the durable name."""
        self._closed = True
        async with self._log.changed:
            self._log.changed.notify_all()

    def _take(self, batch: int, now: float) -> list[BusMessage]:
        """Due redeliveries first (oldest first), then new messages matching the subject."""
        durable = self._durable
        messages: list[BusMessage] = []
        for sequence, pending in durable.pending.items():
            if len(messages) == batch:
                return messages
            if pending.deadline <= now:
                pending.deliveries += 1
                pending.deadline = now + durable.ack_wait
                messages.append(self._message(sequence, pending.deliveries))
        while len(messages) < batch and durable.cursor < len(self._log.entries):
            durable.cursor += 1
            if subject_matches(durable.subject, self._log.entries[durable.cursor - 1][0]):
                durable.pending[durable.cursor] = _Pending(1, now + durable.ack_wait)
                messages.append(self._message(durable.cursor, 1))
        return messages

    def _message(self, sequence: int, deliveries: int) -> BusMessage:
        subject, data = self._log.entries[sequence - 1]
        return BusMessage(
            subject=subject,
            data=data,
            sequence=sequence,
            deliveries=deliveries,
            ack_token=_AckToken(self._durable.name, sequence),
        )
