"""Choose the event bus backend from ``DOORSTEP_BUS_URL``."""

from __future__ import annotations

from urllib.parse import urlsplit

from doorstep.errors import ConfigurationError
from doorstep.hub.bus.base import EventBus
from doorstep.hub.bus.memory import MemoryEventBus
from doorstep.hub.bus.nats import NatsEventBus
from doorstep.settings import Settings


def open_event_bus(settings: Settings) -> EventBus:
    """The bus named by ``settings.bus_url``, not yet connected: the caller awaits connect()."""
    url = settings.bus_url
    parts = urlsplit(url)
    if url == "memory://":
        return MemoryEventBus()
    if parts.scheme in ("nats", "tls"):
        if not parts.hostname:
            raise ConfigurationError("DOORSTEP_BUS_URL must name a host: nats://host:4222")
        return NatsEventBus(url)
    # Only the scheme is shown: the URL may carry a password.
    raise ConfigurationError(
        "DOORSTEP_BUS_URL must be memory://, nats://host:port or tls://host:port, "
        f"not a URL with scheme {parts.scheme!r}"
    )
