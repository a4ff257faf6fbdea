"""How the resident's pages put the services' rows into words: times, ages, camera health."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from doorstep.edge.config import LiveViewConfig
from doorstep.hub.homes.models import Camera

# An edge reports every 10 s; a report older than this means it stopped reporting.
STALE_REPORT = timedelta(seconds=60)
# The edge serves the live view on this port unless its config says otherwise.
LIVE_VIEW_PORT = LiveViewConfig().port


def when(moment: datetime | None) -> str:
    """A moment as the pages print it: UTC, to the minute."""
    if moment is None:
        return "never"
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def age(moment: datetime | None, now: datetime) -> str:
    """How long ago ``moment`` was, in the largest whole unit."""
    if moment is None:
        return "never"
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, size in (("day", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            count = seconds // size
            plural = "s" if unit == "day" and count != 1 else ""
            return f"{count} {unit}{plural} ago"
    return f"{seconds} s ago"


def days_left(until: datetime, now: datetime) -> str:
    seconds = (until - now).total_seconds()
    if seconds <= 0:
        return "expired"
    days = int(seconds // 86_400)
    if days >= 1:
        return f"{days} day{'s' if days != 1 else ''} left"
    return f"{max(1, int(seconds // 3_600))} h left"


@dataclass(frozen=True)
class CameraHealth:
    """One camera's health in words, and a state for its badge."""

    id: uuid.UUID
    name: str
    state: str  # "ok", "offline", "stale", "unknown" or "alarm"
    summary: str
    fps: str
    last_frame: str
    errors: int | None
    key_alarm: str | None
    reported: str
    audio: bool

    @property
    def live_path(self) -> str:
        """The edge's live-view page for this camera (edge/liveview.py)."""
        return f"/cameras/{self.id}"


def camera_health(camera: Camera, now: datetime) -> CameraHealth:
    reported = camera.health_reported_at
    if camera.health_key_alarm:
        state, summary = "alarm", "KEY ALARM: the edge refuses the home key"
    elif reported is None:
        state, summary = "unknown", "No report yet: is the edge paired and running?"
    elif now - reported > STALE_REPORT:
        state, summary = "stale", f"The edge stopped reporting {age(reported, now)}"
    elif not camera.health_connected:
        state, summary = "offline", "The edge can't reach this camera"
    else:
        state, summary = "ok", "Recording"
    return CameraHealth(
        id=camera.id,
        name=camera.name,
        state=state,
        summary=summary,
        fps="—" if camera.health_fps is None else f"{camera.health_fps:.1f}",
        last_frame=age(camera.health_last_frame_at, now),
        errors=camera.health_errors,
        key_alarm=camera.health_key_alarm,
        reported=age(reported, now),
        audio=camera.audio_enabled,
    )
