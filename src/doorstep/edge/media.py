"""What flows from capture to the later stages: demuxed packets and their decoded frames.

A camera's video is decoded once. Capture yields each demuxed packet together with
the frames decoding it gave; the recorder keeps the packets (clips are cut by stream
copy, without re-encoding) and motion and detection look at the frames, each scaling
them to the size it needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import av
import av.stream
import av.video.frame


@dataclass(frozen=True)
class Captured:
    kind: Literal["video", "audio"]
    packet: av.Packet[av.stream.Stream]
    # The stream the packet came from: the template for stream-copy muxing. It changes
    # when the source reconnects, so every packet carries its own.
    stream: av.stream.Stream
    # Seconds since capture started, monotonic across reconnects and file loops.
    seconds: float
    wallclock: datetime
    frames: list[av.video.frame.VideoFrame] = field(default_factory=list)


@dataclass
class CameraHealth:
    """Reported to the hub and to Home Assistant."""

    connected: bool = False
    fps: float = 0.0
    last_frame_at: datetime | None = None
    errors: int = 0
    last_error: str | None = None
    reconnects: int = 0
