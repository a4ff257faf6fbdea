"""Event bus fixtures: every behaviour test runs on each backend.

Each test gets its own subject prefix and, on NATS, its own stream, deleted afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import nats
import pytest

from doorstep.hub.bus.base import EventBus
from doorstep.hub.bus.memory import MemoryEventBus
from doorstep.hub.bus.nats import NatsEventBus

NATS_URL = "nats://127.0.0.1:4222"


@pytest.fixture
def subject_prefix() -> str:
    return f"test{uuid.uuid4().hex}"


@pytest.fixture
def nats_url() -> str:
    return NATS_URL


@pytest.fixture
async def nats_stream(subject_prefix: str) -> AsyncIterator[str]:
    """A stream name for a test that opens NatsEventBus itself; deleted afterwards."""
    stream = subject_prefix.upper()
    yield stream
    await _delete_stream(stream)


@pytest.fixture(params=["memory", pytest.param("nats", marks=pytest.mark.nats)])
async def event_bus(request: pytest.FixtureRequest, subject_prefix: str) -> AsyncIterator[EventBus]:
    subjects = [f"{subject_prefix}.>"]
    if request.param == "memory":
        memory_bus = MemoryEventBus(subjects)
        await memory_bus.connect()
        yield memory_bus
        await memory_bus.close()
        return
    stream = subject_prefix.upper()
    nats_bus = NatsEventBus(NATS_URL, stream=stream, subjects=subjects)
    await nats_bus.connect()
    try:
        yield nats_bus
    finally:
        await nats_bus.close()
        await _delete_stream(stream)


async def _delete_stream(stream: str) -> None:
    client = await nats.connect(NATS_URL)
    try:
        await client.jetstream().delete_stream(stream)
    finally:
        await client.close()
