"""Open a camera once and read one frame: for `doorstep edge check`."""

from __future__ import annotations

import threading
from pathlib import Path

from doorstep.edge.capture import capture
from doorstep.edge.config import CameraConfig
from doorstep.edge.media import CameraHealth
from doorstep.errors import DoorstepError


def probe_camera(camera: CameraConfig, *, data_dir: Path) -> str | None:
    """None when a frame arrives; otherwise one sentence saying what went wrong."""
    stop = threading.Event()
    try:
        for item in capture(
            camera, stop=stop, health=CameraHealth(), data_dir=data_dir, max_attempts=1
        ):
            if item.frames:
                stop.set()
                return None
    except DoorstepError as exc:
        return exc.detail
    return "the source ended before a frame could be decoded"
