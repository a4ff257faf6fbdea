"""open_event_bus picks the backend named by DOORSTEP_BUS_URL."""

from __future__ import annotations

import pytest

from doorstep.errors import ConfigurationError
from doorstep.hub.bus.factory import open_event_bus
from doorstep.hub.bus.memory import MemoryEventBus
from doorstep.hub.bus.nats import NatsEventBus
from doorstep.settings import Settings


def test_memory_url_opens_memory_bus() -> None:
    assert isinstance(open_event_bus(Settings(bus_url="memory://")), MemoryEventBus)


@pytest.mark.parametrize("url", ["nats://127.0.0.1:4222", "tls://nats.example:4222"])
def test_nats_urls_open_nats_bus(url: str) -> None:
    assert isinstance(open_event_bus(Settings(bus_url=url)), NatsEventBus)


@pytest.mark.parametrize(
    "url", ["redis://user:secret@localhost", "", "memory://elsewhere", "nats://", "localhost:4222"]
)
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="DOORSTEP_BUS_URL") as raised:
        open_event_bus(Settings(bus_url=url))

    assert "secret" not in str(raised.value)
