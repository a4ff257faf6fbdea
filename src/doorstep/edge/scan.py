"""Run a camera's pipeline over a video file as fast as it decodes, for `doorstep edge scan`."""

from __future__ import annotations

import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from doorstep.edge.capture import capture
from doorstep.edge.config import CameraConfig, FileSource
from doorstep.edge.detect.base import Detector
from doorstep.edge.detect.factory import make_detector, make_face_detector
from doorstep.edge.media import CameraHealth
from doorstep.edge.pipeline import CameraPipeline, RecordedEvent


@dataclass(frozen=True)
class ScannedEvent:
    event: RecordedEvent
    clip_path: Path
    snapshot_path: Path


def scan_file(
    video: Path,
    *,
    out: Path,
    camera: CameraConfig | None = None,
    detector: Detector | None = None,
    progress: Callable[[float], None] | None = None,
    twins: bool = True,
) -> list[ScannedEvent]:
    """Every event in ``video``, its clip and snapshot written into ``out``.

    ``detector`` replaces the one ``camera.detect`` makes (``doorstep bench detect``
    compares detectors this way); ``progress`` hears each captured packet's time, once
    the pipeline has processed it; ``twins=False`` skips the blurred twins (half a scan's
    time, for who only counts events).
    """
    camera = (camera or default_camera(video)).model_copy(
        update={"source": FileSource(path=video, loop=False, realtime=False)}
    )
    out.mkdir(parents=True, exist_ok=True)
    scanned: list[ScannedEvent] = []

    def keep(event: RecordedEvent) -> None:
        number = len(scanned) + 1
        clip_path = out / f"event-{number:03d}.mp4"
        snapshot_path = out / f"event-{number:03d}.jpg"
        clip_path.write_bytes(event.clip)
        snapshot_path.write_bytes(event.snapshot)
        scanned.append(ScannedEvent(event, clip_path, snapshot_path))

    with tempfile.TemporaryDirectory(prefix="doorstep-scan-") as work:
        pipeline = CameraPipeline(
            camera,
            detector=detector if detector is not None else make_detector(camera.detect),
            faces=make_face_detector(camera.detect.faces),
            on_event=keep,
            workdir=Path(work),
            twins=twins,
        )
        stop = threading.Event()
        for item in capture(
            camera, stop=stop, health=CameraHealth(), data_dir=Path(work), max_attempts=1
        ):
            pipeline.process(item)
            if progress is not None:
                progress(item.seconds)
        pipeline.finish()
    return scanned


def default_camera(video: Path) -> CameraConfig:
    return CameraConfig(
        id=uuid.uuid5(uuid.NAMESPACE_URL, video.resolve().as_uri()),
        name=video.stem[:100] or "video",
        source=FileSource(path=video, realtime=False),
    )
