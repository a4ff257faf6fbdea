"""One camera's pipeline: captured packets in, recorded events out.

Per decoded frame: a small grey frame for motion; where motion is, and at most
``detect.fps`` times a second, detection on a ``detect.width`` frame (people, and faces
when ``detect.faces`` is on: :mod:`doorstep.edge.detect.faces`); the tracker turns
detections into events. Packets go to a rolling buffer, from which each event's
clip is cut by stream copy once its post-roll has passed (cameras with privacy zones
re-encode instead, with the zones blacked out). Privacy zones are blacked out of the
grey and detection frames too, so no stage ever looks inside them. With a face detector,
each event's blurred twin is made on the process's twin thread
(:mod:`doorstep.edge.twin_queue`), which then hands the event on; :meth:`finish` waits
for them.
"""

from __future__ import annotations

import json
import logging
import tempfile
import uuid
from collections.abc import Callable
from concurrent import futures
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import av.video.frame
import cv2
import numpy as np
from av.video.reformatter import VideoReformatter
from numpy.typing import NDArray

from doorstep.edge.config import CameraConfig
from doorstep.edge.detect.base import Detection, Detector
from doorstep.edge.detect.faces import FaceDetector, unexplained
from doorstep.edge.geometry import Box, Polygon, polygon_mask
from doorstep.edge.liveview import LiveFrames
from doorstep.edge.media import Captured
from doorstep.edge.motion.detector import MotionDetector
from doorstep.edge.record import ClipInfo, PinHandle, SegmentBuffer, cut_clip
from doorstep.edge.redact import reencode_clip, snapshot_jpeg
from doorstep.edge.track import Track, Tracker
from doorstep.edge.twin import TimedBox, twin_clip, twin_snapshot
from doorstep.edge.twin_queue import TwinQueue, shared_twin_queue
from doorstep.errors import DoorstepError

logger = logging.getLogger("doorstep.edge.pipeline")

# A frame this close to a due time, as a fraction of the frame interval, counts as due:
# a 10 fps camera's frames come a few ms early or late, and must not skip every other
# motion check at 10 checks a second.
DUE_SLACK = 0.25

Image = NDArray[np.uint8]
# Every details part is padded to this size before it is sealed (docs/crypto-format.md).
DETAILS_SIZE = 2048


class DetailsTooLarge(DoorstepError):
    code = "details_too_large"


@dataclass(frozen=True)
class RecordedEvent:
    """A finished event: its clip (MP4), snapshot (JPEG) and what it was."""

    id: uuid.UUID
    camera_id: uuid.UUID
    label: str
    score: float
    start_s: float
    end_s: float
    clip_start_s: float
    clip_end_s: float
    started_at: datetime
    ended_at: datetime
    clip: bytes
    snapshot: bytes
    zones: tuple[str, ...] = ()
    trigger: str | None = None
    # The blurred twin (doorstep.edge.twin): empty without a face detector, or if it failed.
    twin_clip: bytes = b""
    twin_snapshot: bytes = b""

    def details(self) -> dict[str, Any]:
        """What travels sealed beside the clip: the hub never sees it in clear."""
        return {
            "id": str(self.id),
            "camera_id": str(self.camera_id),
            "label": self.label,
            "score": round(self.score, 4),
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "clip_start_s": round(self.clip_start_s, 3),
            "clip_end_s": round(self.clip_end_s, 3),
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat(),
            "zones": list(self.zones),
            "trigger": self.trigger,
        }

    def details_json(self) -> bytes:
        """The details as JSON padded with spaces to one size: its length tells no label."""
        text = json.dumps(self.details(), sort_keys=True).encode()
        if len(text) > DETAILS_SIZE:
            raise DetailsTooLarge(
                f"event details are {len(text)} bytes, over the {DETAILS_SIZE} a details "
                "part holds (shorter zone names or fewer zones)"
            )
        return text.ljust(DETAILS_SIZE, b" ")


@dataclass
class _OpenEvent:
    label: str
    start_s: float
    pin: PinHandle
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    score: float = 0.0
    snapshot: Image | None = None
    zones: tuple[str, ...] = ()
    trigger: str | None = None
    end_s: float | None = None  # set when the track ended; the clip waits for post-roll
    # Where the track's boxes were (for the twin's head regions), and at the snapshot.
    people: dict[float, Box] = field(default_factory=dict)
    snapshot_people: tuple[Box, ...] = ()


class CameraPipeline:
    def __init__(
        self,
        camera: CameraConfig,
        *,
        detector: Detector,
        faces: FaceDetector | None = None,
        on_event: Callable[[RecordedEvent], None],
        live: LiveFrames | None = None,
        on_presence: Callable[[bool], None] | None = None,
        workdir: Path | None = None,
        twins: bool = True,
        twin_queue: TwinQueue | None = None,
    ) -> None:
        self.camera = camera
        self.detector = detector
        self.faces = faces
        self.twins = twins  # off: events without a blurred twin (tests of events alone)
        self.twin_queue = twin_queue or shared_twin_queue()
        self._twins_made: list[Future[None]] = []  # this camera's, not yet waited for
        self.on_event = on_event
        self.live = live
        self.on_presence = on_presence
        self.workdir = workdir or Path(tempfile.gettempdir())
        record = camera.record
        self.buffer = SegmentBuffer(keep_s=record.pre_roll_s + 10.0)
        self.motion = MotionDetector(camera.motion)
        self.tracker = Tracker(camera.track, list(camera.zones))
        self.privacy: list[Polygon] = [zone.polygon for zone in camera.privacy_zones]
        self.events: dict[int | str, _OpenEvent] = {}
        self.now_s = 0.0
        self._next_detection_s = 0.0
        self._next_motion_s = 0.0
        self._last_frame_s = 0.0
        self._wallclock_offset: datetime | None = None
        self._masks: dict[tuple[int, int], NDArray[np.bool_]] = {}
        self._present = False
        self._latest: av.video.frame.VideoFrame | None = None
        self._grey_scaler = VideoReformatter()
        self._colour_scaler = VideoReformatter()
        # Each camera has its own thread; OpenCV's own pool costs more than it saves on
        # frames this small (doorstep bench edge).
        cv2.setNumThreads(1)

    # -- input ---------------------------------------------------------------------------

    def process(self, item: Captured) -> None:
        if self._wallclock_offset is None:
            self._wallclock_offset = item.wallclock - timedelta(seconds=item.seconds)
        self.buffer.append(item)
        self.now_s = max(self.now_s, item.seconds)
        for frame in item.frames:
            self._analyse(frame, item.seconds)
        self._finish_due()

    def trigger(self, label: str) -> None:
        """An external trigger (doorbell, sensor): an event now, with pre- and post-roll."""
        key = f"trigger-{uuid.uuid4()}"
        start = self.now_s
        self.events[key] = _OpenEvent(
            label=label,
            start_s=start,
            pin=self.buffer.pin(start - self.camera.record.pre_roll_s),
            score=1.0,
            snapshot=self._bgr(self._latest, self.camera.detect.width) if self._latest else None,
            trigger=label,
            end_s=start,
        )

    def finish(self) -> None:
        """End of input: close every track and record what the buffer still holds."""
        for track in self.tracker.flush(self.now_s).ended:
            self._track_ended(track)
        for key in list(self.events):
            event = self.events[key]
            if event.end_s is None:
                event.end_s = self.now_s
            self._record(
                key, clip_end_s=min(self.now_s, event.end_s + self.camera.record.post_roll_s)
            )
        waiting = [made for made in self._twins_made if not made.done()]
        if waiting:  # every event is handed on before this returns: say why it takes a while
            logger.info(
                "camera %s: making the blurred twins of %d event(s) before stopping",
                self.camera.name,
                len(waiting),
            )
            futures.wait(waiting)
        self._twins_made.clear()

    # -- analysis ------------------------------------------------------------------------

    def _analyse(self, frame: av.video.frame.VideoFrame, seconds: float) -> None:
        self._latest = frame
        if self.live is not None and self.live.wanted(self.camera.id):
            self._publish_live(frame)
        slack = DUE_SLACK * max(0.0, seconds - self._last_frame_s)
        self._last_frame_s = seconds
        if seconds + slack < self._next_motion_s:
            return
        self._next_motion_s = seconds + 1.0 / self.camera.motion.fps
        motion_width = self.camera.motion.width
        motion_height = _scaled_height(frame, motion_width)
        grey = self._scaled(self._grey_scaler, frame, motion_width, motion_height, "gray")
        regions = self.motion.update(self._masked(grey))
        detections: list[Detection] = []
        image: Image | None = None
        if seconds + slack >= self._next_detection_s:
            self._next_detection_s = seconds + 1.0 / self.camera.detect.fps
            if regions:
                image = self._bgr(frame, self.camera.detect.width)
                detections = self.detector.detect(image, regions)
                if self.faces is not None:  # a face makes or extends a person track
                    detections += self.faces.detect(image, unexplained(regions, detections))
        # Every motion check reaches the tracker: motion where a person is predicted to
        # be keeps their track alive between detections.
        update = self.tracker.update(seconds, detections, regions)
        for track in update.started:
            self._track_started(track)
        for track in self.tracker.active:
            event = self.events.get(track.id)
            if event is None:
                continue
            event.people[track.end_s] = track.last_box  # last_box is where it was at end_s
            # A snapshot from the start (the top score may have come before the track
            # qualified), replaced whenever the score rises.
            if image is not None and (track.best_seconds == seconds or event.snapshot is None):
                event.score = track.top_score
                event.snapshot = image.copy()
                event.snapshot_people = (track.best_box,)
                event.zones = tuple(sorted(track.zones))
        for track in update.ended:
            self._track_ended(track)

    def _track_started(self, track: Track) -> None:
        start = track.start_s
        self.events[track.id] = _OpenEvent(
            label=track.label,
            start_s=start,
            pin=self.buffer.pin(start - self.camera.record.pre_roll_s),
            score=track.top_score,
            zones=tuple(sorted(track.zones)),
        )
        self._presence()

    def _track_ended(self, track: Track) -> None:
        event = self.events.get(track.id)
        if event is not None:
            event.end_s = track.end_s
            event.score = max(event.score, track.top_score)
            self._presence()

    def _finish_due(self) -> None:
        record = self.camera.record
        for key in list(self.events):
            event = self.events[key]
            if event.end_s is not None and self.now_s >= event.end_s + record.post_roll_s:
                self._record(key, clip_end_s=event.end_s + record.post_roll_s)
            elif event.end_s is None and self.now_s - event.start_s >= record.max_event_s:
                # A very long event becomes several clips; the track goes on in the next.
                event.end_s = self.now_s
                self._record(key, clip_end_s=self.now_s, keep_open=True)

    # -- output --------------------------------------------------------------------------

    def _record(self, key: int | str, *, clip_end_s: float, keep_open: bool = False) -> None:
        event = self.events.pop(key)
        assert event.end_s is not None
        if keep_open:  # the track goes on: so does its event, in the next clip
            self.events[key] = _OpenEvent(
                label=event.label,
                start_s=self.now_s,
                pin=self.buffer.pin(self.now_s),
                score=event.score,
                zones=event.zones,
            )
        clip_start = max(0.0, event.start_s - self.camera.record.pre_roll_s)
        path = self.workdir / f"{event.id}.mp4"
        try:
            info = self._cut(clip_start, clip_end_s, path)
        except (DoorstepError, OSError) as exc:
            # One clip that can't be written must not stop the camera's recording.
            logger.error("camera %s: %s event not recorded: %s", self.camera.name, event.label, exc)
            path.unlink(missing_ok=True)
            self._presence()
            return
        finally:
            self.buffer.unpin(event.pin)
        offset = self._wallclock_offset or datetime.now().astimezone()
        recorded = RecordedEvent(
            id=event.id,
            camera_id=self.camera.id,
            label=event.label,
            score=event.score,
            start_s=event.start_s,
            end_s=event.end_s,
            clip_start_s=info.start_s,
            clip_end_s=info.end_s,
            started_at=offset + timedelta(seconds=info.start_s),
            ended_at=offset + timedelta(seconds=info.end_s),
            clip=b"",  # read from ``path`` as the event is handed on: not held while it waits
            snapshot=self._snapshot(event),
            zones=event.zones,
            trigger=event.trigger,
        )
        self._presence()
        if not self._twin_later(recorded, event, path):
            self._hand_on(recorded, path)

    def _hand_on(
        self, recorded: RecordedEvent, clip: Path, twin: bytes = b"", twin_snapshot: bytes = b""
    ) -> None:
        """The event, with its clip's bytes read from ``clip`` (then deleted), to on_event."""
        try:
            data = clip.read_bytes()
        except OSError as exc:
            logger.error(
                "camera %s: %s event not recorded: %s", self.camera.name, recorded.label, exc
            )
            return
        finally:
            clip.unlink(missing_ok=True)
        self.on_event(replace(recorded, clip=data, twin_clip=twin, twin_snapshot=twin_snapshot))

    def _cut(self, start_s: float, end_s: float, path: Path) -> ClipInfo:
        if self.privacy:
            return reencode_clip(
                self.buffer, start_s, end_s, path, self.privacy, audio=self.camera.audio
            )
        return cut_clip(self.buffer, start_s, end_s, path, audio=self.camera.audio)

    def _twin_later(self, recorded: RecordedEvent, event: _OpenEvent, clip: Path) -> bool:
        """Hand the event on from the twin thread once its blurred twin is made
        (:mod:`doorstep.edge.twin_queue`); False when it gets none and goes on now."""
        if self.faces is None or not self.twins:
            return False
        faces = self.faces
        people = [TimedBox(at - recorded.clip_start_s, box) for at, box in event.people.items()]
        heads = event.snapshot_people

        def make() -> None:
            try:
                path = clip.with_name(f"{clip.stem}.twin.mp4")
                try:
                    twin_clip(clip, path, faces, people, polygons=self.privacy)
                    twin = path.read_bytes()
                finally:
                    path.unlink(missing_ok=True)
                snapshot = twin_snapshot(recorded.snapshot, faces, heads, self.privacy)
            except (DoorstepError, OSError, cv2.error) as exc:
                # The event is kept without a twin rather than lost.
                logger.error("camera %s: no blurred twin for this event: %s", self.camera.name, exc)
                twin = snapshot = b""
            self._hand_on(recorded, clip, twin, snapshot)

        made = self.twin_queue.submit(make)
        if made is None:
            logger.error(
                "camera %s: %d blurred twins are waiting to be made; this event goes without one",
                self.camera.name,
                self.twin_queue.max_waiting,
            )
            return False
        self._twins_made = [*(f for f in self._twins_made if not f.done()), made]
        return True

    def _snapshot(self, event: _OpenEvent) -> bytes:
        if event.snapshot is None:
            return b""
        return snapshot_jpeg(event.snapshot, [])  # privacy zones were masked when it was taken

    def _bgr(self, frame: av.video.frame.VideoFrame, width: int) -> Image:
        """The frame at ``width`` pixels, privacy zones blacked out."""
        width = min(width, frame.width)
        image = self._scaled(
            self._colour_scaler, frame, width, _scaled_height(frame, width), "bgr24"
        )
        return self._masked(image)

    @staticmethod
    def _scaled(
        scaler: VideoReformatter,
        frame: av.video.frame.VideoFrame,
        width: int,
        height: int,
        pixel_format: str,
    ) -> Image:
        """``frame`` at ``width``×``height`` as an array.

        One scaler per output, reused frame after frame and single-threaded: building a
        scaler (and its thread pool) for every frame cost more than the scaling did.
        """
        scaled = scaler.reformat(frame, width=width, height=height, format=pixel_format, threads=1)
        return np.asarray(scaled.to_ndarray(), dtype=np.uint8)

    def _masked(self, image: Image) -> Image:
        if not self.privacy:
            return image
        size = (image.shape[1], image.shape[0])
        mask = self._masks.get(size)
        if mask is None:
            mask = self._masks[size] = polygon_mask(self.privacy, *size)
        image[mask] = 0
        return image

    def _publish_live(self, frame: av.video.frame.VideoFrame) -> None:
        assert self.live is not None
        image = self._bgr(frame, self.live.width)
        ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 75])
        if ok:
            self.live.publish(self.camera.id, jpeg.tobytes())

    def _presence(self) -> None:
        """Someone is there while a track's event is open: the sensor follows the track."""
        present = any(
            event.end_s is None and event.trigger is None for event in self.events.values()
        )
        if present != self._present:
            self._present = present
            if self.on_presence is not None:
                self.on_presence(present)


def _scaled_height(frame: av.video.frame.VideoFrame, width: int) -> int:
    """The height that keeps the aspect ratio at ``width``, rounded to an even number."""
    return max(2, int(round(frame.height * width / frame.width / 2)) * 2)
