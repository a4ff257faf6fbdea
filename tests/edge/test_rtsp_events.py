"""A real RTSP camera drops and comes back: the person who walks by next is recorded."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import pytest

from doorstep.edge.capture import capture
from doorstep.edge.config import CameraConfig, RtspSource
from doorstep.edge.detect.factory import make_detector
from doorstep.edge.media import CameraHealth
from doorstep.edge.pipeline import CameraPipeline, RecordedEvent
from doorstep.edge.synthetic import Walker, scene, write_h264
from tests.edge.conftest import RtspCamera


@pytest.fixture
def walker_camera(tmp_path: Path) -> RtspCamera:
    video = tmp_path / "street.mp4"
    frames = scene(width=640, height=360, fps=10, duration_s=16, walkers=[Walker(5.0, 9.0)])
    write_h264(video, frames, fps=10)
    return RtspCamera(video)


def test_rtsp_reconnect_keeps_the_following_event(
    walker_camera: RtspCamera, tmp_path: Path
) -> None:
    walker_camera.start()
    camera = CameraConfig(
        id=uuid.uuid4(), name="Street", source=RtspSource(url=walker_camera.url, timeout_s=5)
    )
    events: list[RecordedEvent] = []
    pipeline = CameraPipeline(
        camera, detector=make_detector(camera.detect), on_event=events.append, workdir=tmp_path
    )
    stop, health = threading.Event(), CameraHealth()
    deadline = time.monotonic() + 60
    try:
        for item in capture(camera, stop=stop, health=health, data_dir=tmp_path):
            pipeline.process(item)
            if item.seconds > 1.5 and health.reconnects == 0 and walker_camera.process:
                walker_camera.kill()  # the camera loses power before anyone walks by...
                walker_camera.start()  # ...and comes back, its stream starting over
            if events or time.monotonic() > deadline:
                stop.set()
    finally:
        walker_camera.kill()
        walker_camera.log.close()
    assert health.reconnects == 1 and health.errors >= 1
    (event,) = events
    assert event.label == "person"
    # Capture time runs on across the drop: the walker shows up 5 s into the new stream.
    assert event.start_s > 5.0
    assert event.clip_end_s - event.clip_start_s > 8.0
    assert event.clip.startswith(b"\x00\x00\x00") and b"ftyp" in event.clip[:16]
