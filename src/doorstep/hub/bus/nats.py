"""Event bus on NATS JetStream: one stream stores every Doorstep subject.

A subscription is a durable pull consumer on that stream, named by its durable name,
with explicit acks. The stream and the consumers live on the server, so a hub that
restarts picks up where it stopped. The stream has no limits yet: it grows until
someone purges it or sets ``max_age`` on the server. nats-py errors become BusError here.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Sequence
from urllib.parse import urlsplit

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import ConnectionClosedError, ConnectionDrainingError, MsgAlreadyAckdError
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from doorstep.errors import BusError
from doorstep.hub.bus.base import BusMessage
from doorstep.hub.bus.subjects import check_durable_name, check_subject

logger = logging.getLogger(__name__)

# JetStream's error code for "stream name already in use with a different configuration".
_STREAM_NAME_IN_USE = 10058
# What nats-py raises when the server is unreachable, slow, or refuses a request.
_FAILURES = (NatsError, OSError, TimeoutError)


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 4222}"


class NatsEventBus:
    def __init__(
        self,
        url: str,
        stream: str = "DOORSTEP",
        subjects: Sequence[str] = ("doorstep.>",),
        *,
        connect_timeout: float = 2.0,
        request_timeout: float = 5.0,
    ) -> None:
        self._url = url
        self._stream = stream
        self._subjects = list(subjects)
        self._connect_timeout = connect_timeout
        self._request_timeout = request_timeout
        self._client: Client | None = None
        self._jetstream: JetStreamContext | None = None
        self._subscriptions: set[NatsSubscription] = set()

    async def connect(self) -> None:
        """Connect and create (or update) the stream.

        The first connection gives up after ``connect_timeout`` seconds, where nats-py
        alone would keep retrying; once connected, the client reconnects for as long as
        it takes and ``check()`` reports the outage meanwhile.
        """
        if self._client is not None:
            return
        client = Client()
        try:
            async with asyncio.timeout(self._connect_timeout):
                await client.connect(
                    servers=[self._url],
                    connect_timeout=max(1, math.ceil(self._connect_timeout)),
                    max_reconnect_attempts=-1,
                    error_cb=self._log_error,
                    disconnected_cb=self._log_disconnected,
                    reconnected_cb=self._log_reconnected,
                )
            jetstream = client.jetstream(timeout=self._request_timeout)
            await self._ensure_stream(jetstream)
        except _FAILURES as exc:
            await client.close()
            raise BusError(
                f"could not connect to NATS at {_without_credentials(self._url)} "
                f"within {self._connect_timeout} s: {_reason(exc)}"
            ) from exc
        self._client = client
        self._jetstream = jetstream

    async def publish(self, subject: str, data: bytes) -> int:
        jetstream = self._require_jetstream()
        check_subject(subject, wildcards=False)
        try:
            ack = await jetstream.publish(subject, data)
        except _FAILURES as exc:
            raise BusError(f"could not publish to {subject!r}: {_reason(exc)}") from exc
        return ack.seq

    async def subscribe(
        self, subject: str, *, durable: str, ack_wait: float = 30.0
    ) -> NatsSubscription:
        """Open, or resume, the durable consumer ``durable`` on the stream.

        An existing consumer keeps the ``ack_wait`` it was created with.
        """
        jetstream = self._require_jetstream()
        check_subject(subject, wildcards=True)
        check_durable_name(durable)
        if ack_wait <= 0:
            raise ValueError("ack_wait must be positive")
        try:
            await self._refuse_other_subject(jetstream, subject, durable)
            subscription = await jetstream.pull_subscribe(
                subject,
                durable=durable,
                stream=self._stream,
                config=ConsumerConfig(ack_wait=ack_wait),
            )
        except _FAILURES as exc:
            raise BusError(
                f"could not subscribe {durable!r} to {subject!r}: {_reason(exc)}"
            ) from exc
        return NatsSubscription(subscription, self._subscriptions)

    async def check(self) -> None:
        jetstream = self._require_jetstream()
        try:
            await jetstream.stream_info(self._stream)
        except _FAILURES as exc:
            raise BusError(f"NATS stream {self._stream} is unreachable: {_reason(exc)}") from exc

    async def close(self) -> None:
        """Close the subscriptions, let pending publishes and acks through, disconnect.

        Never raises: a drain that fails is logged and the connection closed anyway.
        """
        client, self._client, self._jetstream = self._client, None, None
        if client is None or client.is_closed:
            return
        try:
            # Unsubscribe first: draining a pull subscription waits, up to drain_timeout
            # (30 s), for the server's late "request expired" notes nobody will read.
            for subscription in list(self._subscriptions):
                await subscription.close()
            await client.drain()
        except _FAILURES as exc:
            logger.warning("could not drain the NATS connection: %s", _reason(exc))
            await client.close()

    async def _log_error(self, exc: Exception) -> None:
        logger.warning("NATS connection error: %s", exc)

    async def _log_disconnected(self) -> None:
        if self._client is not None:  # not when close() disconnects on purpose
            logger.warning("disconnected from NATS; reconnecting")

    async def _log_reconnected(self) -> None:
        logger.info("reconnected to NATS")

    def _require_jetstream(self) -> JetStreamContext:
        if self._jetstream is None:
            raise BusError("the NATS event bus is not connected")
        return self._jetstream

    async def _ensure_stream(self, jetstream: JetStreamContext) -> None:
        config = StreamConfig(name=self._stream, subjects=self._subjects)
        try:
            await jetstream.add_stream(config)
        except BadRequestError as exc:
            if exc.err_code != _STREAM_NAME_IN_USE:
                raise
            await jetstream.update_stream(config)

    async def _refuse_other_subject(
        self, jetstream: JetStreamContext, subject: str, durable: str
    ) -> None:
        try:
            info = await jetstream.consumer_info(self._stream, durable)
        except NotFoundError:
            return
        if info.config.filter_subject != subject:
            raise BusError(
                f"durable {durable!r} already follows {info.config.filter_subject!r}, "
                f"not {subject!r}"
            )


class NatsSubscription:
    def __init__(
        self, subscription: JetStreamContext.PullSubscription, opened: set[NatsSubscription]
    ) -> None:
        self._subscription = subscription
        self._opened = opened  # the bus's open subscriptions, which it closes with itself
        self._opened.add(self)

    async def fetch(self, *, batch: int = 10, timeout: float = 1.0) -> list[BusMessage]:
        if self not in self._opened:
            raise BusError("the subscription is closed")
        try:
            received = await self._subscription.fetch(batch, timeout)
        except TimeoutError:  # nats' TimeoutError is one: nothing came in time
            return []
        except _FAILURES as exc:
            raise BusError(f"could not fetch messages: {_reason(exc)}") from exc
        return [_bus_message(message) for message in received]

    async def ack(self, message: BusMessage) -> None:
        """Acknowledge ``message``; acknowledging it again does nothing."""
        token = message.ack_token
        if not isinstance(token, Msg):
            raise BusError(f"message {message.sequence} was not delivered by NATS")
        try:
            await token.ack()
        except MsgAlreadyAckdError:
            return
        except _FAILURES as exc:
            raise BusError(
                f"could not acknowledge message {message.sequence}: {_reason(exc)}"
            ) from exc

    async def close(self) -> None:
        """Stop fetching; unacknowledged messages stay pending on the durable consumer."""
        if self not in self._opened:
            return
        self._opened.discard(self)
        try:
            await self._subscription.unsubscribe()
        except (ConnectionClosedError, ConnectionDrainingError):
            return  # the connection is going away, and the subscription with it
        except _FAILURES as exc:
            raise BusError(f"could not unsubscribe: {_reason(exc)}") from exc


def _bus_message(message: Msg) -> BusMessage:
    metadata = message.metadata
    return BusMessage(
        subject=message.subject,
        data=message.data,
        sequence=metadata.sequence.stream,
        deliveries=metadata.num_delivered,
        ack_token=message,
    )
