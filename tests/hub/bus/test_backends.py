"""Behaviour of every event bus backend (memory and NATS JetStream)."""

from __future__ import annotations

import socket
import time

import anyio
import pytest

from doorstep.errors import BusError
from doorstep.hub.bus.base import EventBus, Subscription
from doorstep.hub.bus.memory import MemoryEventBus
from doorstep.hub.bus.nats import NatsEventBus
from doorstep.hub.bus.subjects import subject_matches

pytestmark = pytest.mark.anyio


async def _fetch_all(subscription: Subscription, count: int) -> list[bytes]:
    """Fetch until ``count`` messages came (NATS may hand them over in several batches)."""
    received: list[bytes] = []
    for _ in range(10):
        received += [message.data for message in await subscription.fetch(timeout=1.0)]
        if len(received) >= count:
            break
    return received


async def test_publish_then_fetch_in_order(event_bus: EventBus, subject_prefix: str) -> None:
    subject = f"{subject_prefix}.clips.uploaded"
    sequences = [await event_bus.publish(subject, f"clip {n}".encode()) for n in range(3)]
    subscription = await event_bus.subscribe(subject, durable="feed")

    messages = await subscription.fetch(batch=10, timeout=2.0)

    assert sequences == sorted(sequences) and len(set(sequences)) == 3
    assert [message.data for message in messages] == [b"clip 0", b"clip 1", b"clip 2"]
    assert [message.sequence for message in messages] == sequences
    assert {message.subject for message in messages} == {subject}
    assert {message.deliveries for message in messages} == {1}


async def test_batch_limits_one_fetch(event_bus: EventBus, subject_prefix: str) -> None:
    subject = f"{subject_prefix}.clips.uploaded"
    for n in range(3):
        await event_bus.publish(subject, bytes([n]))
    subscription = await event_bus.subscribe(subject, durable="feed")

    first = await subscription.fetch(batch=2, timeout=2.0)
    rest = await subscription.fetch(batch=2, timeout=2.0)

    assert [message.data for message in first + rest] == [b"\x00", b"\x01", b"\x02"]
    assert len(first) == 2


async def test_wildcards_filter_subjects(event_bus: EventBus, subject_prefix: str) -> None:
    await event_bus.publish(f"{subject_prefix}.clips.uploaded", b"clip")
    await event_bus.publish(f"{subject_prefix}.requests.created", b"request")
    await event_bus.publish(f"{subject_prefix}.clips.deleted.by_owner", b"deep")
    one_token = await event_bus.subscribe(f"{subject_prefix}.clips.*", durable="one")
    the_rest = await event_bus.subscribe(f"{subject_prefix}.clips.>", durable="rest")

    assert await _fetch_all(one_token, 1) == [b"clip"]
    assert await _fetch_all(the_rest, 2) == [b"clip", b"deep"]


async def test_acked_messages_are_not_redelivered_on_resume(
    event_bus: EventBus, subject_prefix: str
) -> None:
    subject = f"{subject_prefix}.clips.uploaded"
    await event_bus.publish(subject, b"first")
    subscription = await event_bus.subscribe(subject, durable="feed", ack_wait=1.0)
    for message in await subscription.fetch(timeout=2.0):
        await subscription.ack(message)
    await subscription.close()

    await event_bus.publish(subject, b"second")
    resumed = await event_bus.subscribe(subject, durable="feed", ack_wait=1.0)

    [second] = await resumed.fetch(timeout=2.0)
    await resumed.ack(second)

    assert (second.data, second.deliveries) == (b"second", 1)
    assert await resumed.fetch(timeout=1.5) == []  # past ack_wait: still nothing


async def test_unacked_message_is_redelivered_after_ack_wait(
    event_bus: EventBus, subject_prefix: str
) -> None:
    subject = f"{subject_prefix}.clips.uploaded"
    sequence = await event_bus.publish(subject, b"clip")
    subscription = await event_bus.subscribe(subject, durable="feed", ack_wait=1.0)
    [first] = await subscription.fetch(timeout=2.0)

    started = time.monotonic()
    [again] = await subscription.fetch(timeout=3.0)

    assert 0.5 < time.monotonic() - started < 2.5
    assert (first.deliveries, again.deliveries) == (1, 2)
    assert again.sequence == sequence and again.data == b"clip"
    await subscription.ack(again)
    await subscription.ack(again)  # a second ack does nothing
    assert await subscription.fetch(timeout=1.5) == []


async def test_unacked_message_is_redelivered_to_a_resumed_durable(
    event_bus: EventBus, subject_prefix: str
) -> None:
    subject = f"{subject_prefix}.clips.uploaded"
    await event_bus.publish(subject, b"clip")
    subscription = await event_bus.subscribe(subject, durable="feed", ack_wait=1.0)
    assert len(await subscription.fetch(timeout=2.0)) == 1
    await subscription.close()

    resumed = await event_bus.subscribe(subject, durable="feed", ack_wait=1.0)
    [again] = await resumed.fetch(timeout=3.0)

    assert (again.data, again.deliveries) == (b"clip", 2)


async def test_each_durable_gets_every_message(event_bus: EventBus, subject_prefix: str) -> None:
    subject = f"{subject_prefix}.clips.uploaded"
    feed = await event_bus.subscribe(subject, durable="feed")
    audit = await event_bus.subscribe(subject, durable="audit")
    for data in (b"a", b"b"):
        await event_bus.publish(subject, data)

    assert await _fetch_all(feed, 2) == [b"a", b"b"]
    assert await _fetch_all(audit, 2) == [b"a", b"b"]


async def test_fetch_with_nothing_pending_returns_empty_after_timeout(
    event_bus: EventBus, subject_prefix: str
) -> None:
    subscription = await event_bus.subscribe(f"{subject_prefix}.clips.*", durable="feed")

    started = time.monotonic()
    messages = await subscription.fetch(timeout=0.5)

    assert messages == []
    assert 0.4 < time.monotonic() - started < 1.5


async def test_fetch_wakes_up_for_a_message_published_while_waiting(
    event_bus: EventBus, subject_prefix: str
) -> None:
    subject = f"{subject_prefix}.clips.uploaded"
    subscription = await event_bus.subscribe(subject, durable="feed")
    received: list[bytes] = []

    async def wait_for_message() -> None:
        received.extend(message.data for message in await subscription.fetch(timeout=5.0))

    started = time.monotonic()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(wait_for_message)
        await anyio.sleep(0.2)
        await event_bus.publish(subject, b"clip")

    assert received == [b"clip"]
    assert time.monotonic() - started < 2.0


async def test_messages_published_without_subscriber_are_kept(
    event_bus: EventBus, subject_prefix: str
) -> None:
    subject = f"{subject_prefix}.clips.uploaded"
    early = await event_bus.subscribe(subject, durable="early")
    await early.close()
    await event_bus.publish(subject, b"while away")

    late = await event_bus.subscribe(subject, durable="late")
    back = await event_bus.subscribe(subject, durable="early")

    assert await _fetch_all(late, 1) == [b"while away"]
    assert await _fetch_all(back, 1) == [b"while away"]


async def test_durable_with_another_subject_is_refused(
    event_bus: EventBus, subject_prefix: str
) -> None:
    await event_bus.subscribe(f"{subject_prefix}.clips.*", durable="feed")

    with pytest.raises(BusError, match="feed"):
        await event_bus.subscribe(f"{subject_prefix}.requests.*", durable="feed")


async def test_invalid_names_are_refused(event_bus: EventBus, subject_prefix: str) -> None:
    with pytest.raises(BusError):
        await event_bus.subscribe(f"{subject_prefix}.clips.*", durable="has.dots")
    with pytest.raises(BusError):
        await event_bus.publish(f"{subject_prefix}.clips.*", b"wildcards are for filters")
    with pytest.raises(BusError):
        await event_bus.publish("elsewhere.clips.uploaded", b"no stream stores this")


async def test_fetch_arguments_are_checked(event_bus: EventBus, subject_prefix: str) -> None:
    subscription = await event_bus.subscribe(f"{subject_prefix}.clips.*", durable="feed")

    with pytest.raises(ValueError):
        await subscription.fetch(batch=0)
    with pytest.raises(ValueError):
        await subscription.fetch(timeout=0)
    await subscription.close()
    with pytest.raises(BusError):
        await subscription.fetch()


async def test_check_succeeds_when_connected_and_fails_after_close(event_bus: EventBus) -> None:
    await event_bus.check()
    await event_bus.close()

    with pytest.raises(BusError):
        await event_bus.check()


async def test_unconnected_bus_refuses_work() -> None:
    for bus in (MemoryEventBus(), NatsEventBus("nats://127.0.0.1:4222")):
        with pytest.raises(BusError):
            await bus.check()
        with pytest.raises(BusError):
            await bus.publish("doorstep.clips.uploaded", b"clip")


async def test_nats_connect_to_closed_port_fails_quickly() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens once the socket is closed
    bus = NatsEventBus(f"nats://user:secret@127.0.0.1:{port}", connect_timeout=0.5)

    started = time.monotonic()
    with pytest.raises(BusError, match=str(port)) as raised:
        await bus.connect()

    assert time.monotonic() - started < 2.0
    assert "secret" not in str(raised.value)


@pytest.mark.nats
async def test_nats_durable_survives_a_new_connection(
    nats_url: str, nats_stream: str, subject_prefix: str
) -> None:
    subject = f"{subject_prefix}.clips.uploaded"
    first = NatsEventBus(nats_url, stream=nats_stream, subjects=[f"{subject_prefix}.>"])
    await first.connect()
    subscription = await first.subscribe(subject, durable="feed")
    for data in (b"one", b"two"):
        await first.publish(subject, data)
    [one] = await subscription.fetch(batch=1, timeout=2.0)
    await subscription.ack(one)
    await first.close()

    # Other subjects: connect() updates the existing stream instead of failing.
    subjects = [f"{subject_prefix}.>", f"{subject_prefix}x.>"]
    second = NatsEventBus(nats_url, stream=nats_stream, subjects=subjects)
    await second.connect()
    try:
        resumed = await second.subscribe(subject, durable="feed")
        messages = await resumed.fetch(timeout=2.0)
        assert [(message.data, message.deliveries) for message in messages] == [(b"two", 1)]
        assert await second.publish(f"{subject_prefix}x.clips.uploaded", b"three") == 3
    finally:
        await second.close()


@pytest.mark.parametrize(
    ("pattern", "subject", "matches"),
    [
        ("a.b", "a.b", True),
        ("a.*", "a.b", True),
        ("a.*", "a.b.c", False),
        ("a.>", "a.b.c", True),
        ("a.>", "a", False),
        ("*.b", "a.b", True),
        ("a.b", "a.c", False),
        ("a.b.c", "a.b", False),
    ],
)
def test_subject_matches(pattern: str, subject: str, matches: bool) -> None:
    assert subject_matches(pattern, subject) is matches
