"""The blurred twin of an event: its clip and snapshot with every face strongly blurred.

The twin is what a resident can share without handing over anyone's face: the face
detector's boxes on the whole frame, plus the head (top quarter) of every person box
of the event's track, are blurred so that nothing of a face is left. Over-blurring is
fine; a missed face is not, so every box is grown by a margin and carried between the
frames detection ran on.

Detection runs on every ``stride``-th frame only (a twin must be made faster than the
clip lasts, on one core). A frame between two detection frames blurs the boxes of the
two detection frames on each side of it and, for every pair of nearby boxes across
it, the hull of the pair: a face moving between two detections stays inside it, and a
face missed by one detection is still covered by its neighbours.

The twin is made from the finished clip, so privacy zones, already black there, stay
black; it is encoded once (libx264, like :mod:`doorstep.edge.redact`), at most
``TWIN_WIDTH`` pixels wide: for a 720p15 clip on one core that takes 0.23 s of CPU per
second of clip and 85 MB at its peak, where a full-size twin took 0.30 s and more than
twice the memory (docs/benchmarks.md, bench edge memory).
Audio is dropped: voices are not for sharing. Nothing about the faces is kept: the
boxes live as long as the frames around them.
"""

from __future__ import annotations

import bisect
import os
import time
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import av
import av.error
import cv2
import numpy as np
from numpy.typing import NDArray

from doorstep.edge.detect.base import Detection
from doorstep.edge.geometry import Box, Polygon
from doorstep.edge.record import MP4_OPTIONS
from doorstep.edge.redact import mask_frame
from doorstep.errors import InvalidInput, StorageError

Image = NDArray[np.uint8]

# A face this likely is blurred: lower than the tracker's bar, as over-blurring is fine.
MIN_SCORE = 0.3
# Each box is grown by this fraction of its size on every side before it is blurred.
FACE_MARGIN = 0.35
# The head: the top third of a person box (a detector's box has room above the head),
# a little wider than the box.
HEAD_FRACTION = 0.35
HEAD_MARGIN = 0.2
# Before its first box and after its last, a track's head is followed this far, its
# box grown by this share of its size for every second (of the speed measured) it runs on.
PERSON_REACH_S = 2.0
RUN_MARGIN = 0.25
# Blurred regions keep this many cells across their shorter side: no features survive.
BLUR_CELLS = 5
# Faces are looked for this many times a second, on a copy of the frame this wide: what
# keeps a 720p15 twin faster than real time on one core (docs/benchmarks.md).
DETECT_FPS = 3.0
DETECT_WIDTH = 640
# The twin is at most this wide (a 720p or 1080p clip's twin is scaled down): it is for
# sharing, and at full 720p it took 3 times the memory and half as much CPU again.
TWIN_WIDTH = 640
# libx264's frames of lookahead (veryfast's 10 held 7 MB more at 640 px; docs/benchmarks.md).
LOOKAHEAD = {"rc-lookahead": "5"}
# Detection frames on each side of a frame whose boxes it blurs (robust to one miss).
NEIGHBOURS = 2


class FaceFinder(Protocol):
    """What the twin needs of a face detector (``detect.faces.FaceDetector``)."""

    def detect_full(self, image: Image, min_score: float | None = None) -> list[Detection]: ...


@dataclass(frozen=True)
class TimedBox:
    """A person box from the event's track, at ``seconds`` on the clip's clock."""

    seconds: float
    box: Box


@dataclass(frozen=True)
class TwinInfo:
    path: Path
    frames: int
    detected_frames: int
    seconds: float  # how long making it took


def head_region(person: Box) -> Box:
    """The top of a person box, where the head is, grown a little to the sides."""
    height = person.y2 - person.y1
    head = Box(person.x1, person.y1, person.x2, person.y1 + height * HEAD_FRACTION)
    return head.expanded(HEAD_MARGIN)


def blur_regions(image: Image, regions: Sequence[Box]) -> Image:
    """``image`` with every region blurred past recognition, in place; returned for chaining.

    Each region is shrunk to a few cells and stretched back smoothly: no edge of an eye,
    a mouth or a hairline survives, and no block edges are added either.
    """
    height, width = image.shape[:2]
    for region in regions:
        x1, y1, x2, y2 = region.clipped().to_pixels(width, height)
        w, h = x2 - x1, y2 - y1
        if w < 2 or h < 2:
            continue
        scale = BLUR_CELLS / min(w, h)
        small = cv2.resize(
            image[y1:y2, x1:x2],
            (max(1, round(w * scale)), max(1, round(h * scale))),
            interpolation=cv2.INTER_AREA,
        )
        image[y1:y2, x1:x2] = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return image


Sample = tuple[float, Sequence[Box]]  # the boxes found at one moment (frame index or seconds)


def carried(at: float, before: Sequence[Sample], after: Sequence[Sample]) -> list[Box]:
    """The boxes to blur at ``at``, from the samples before it and after it (oldest first).

    Every box, the hull of every nearby pair across ``at`` (a face moving between two
    samples stays inside it), and for a face only on one side (coming into view, or
    leaving it) its path run on from its two nearest samples to ``at``.
    """
    prior = [box for _, boxes in before for box in boxes]
    later = [box for _, boxes in after for box in boxes]
    regions = [*prior, *later]
    regions += [a.union(b) for a in prior for b in later if _near(a, b)]
    if len(after) >= 2:  # coming into view: back along the path of its first two samples
        regions += _run_on(at, after[0], after[1], prior)
    if len(before) >= 2:  # leaving: on along the path of its last two samples
        regions += _run_on(at, before[-1], before[-2], later)
    return regions


def _run_on(at: float, nearest: Sample, next_one: Sample, other_side: list[Box]) -> list[Box]:
    """Boxes of ``nearest`` with no partner on the other side, moved on to ``at``."""
    (t0, boxes), (t1, following) = nearest, next_one
    runs = []
    for box in boxes:
        if t0 == t1 or any(_near(box, other) for other in other_side):
            continue
        for partner in following:
            if _near(box, partner):
                factor = (t0 - at) / (t1 - t0)
                (bx, by), (px, py) = box.center, partner.center
                dx, dy = (bx - px) * factor, (by - py) * factor
                moved = Box(box.x1 + dx, box.y1 + dy, box.x2 + dx, box.y2 + dy)
                runs.append(box.union(moved).clipped())
    return runs


def _near(a: Box, b: Box) -> bool:
    """Whether two boxes could be one face that moved: centres within twice their size."""
    (ax, ay), (bx, by) = a.center, b.center
    reach = 2 * max(a.x2 - a.x1, a.y2 - a.y1, b.x2 - b.x1, b.y2 - b.y1)
    return abs(ax - bx) <= reach and abs(ay - by) <= reach


class PersonHeads:
    """The head regions of the track's person boxes, for any moment of the clip.

    Between two boxes, the hull of their heads. Before the track's first box (the
    person walking in, before the detector was sure) and after its last, the head is
    run along the track's path, over at most ``PERSON_REACH_S``.
    """

    def __init__(self, people: Sequence[TimedBox]) -> None:
        ordered = sorted(people, key=lambda item: item.seconds)
        self._times = [item.seconds for item in ordered]
        self._heads = [head_region(item.box) for item in ordered]

    def at(self, seconds: float) -> list[Box]:
        times, heads = self._times, self._heads
        if not times or not times[0] - PERSON_REACH_S <= seconds <= times[-1] + PERSON_REACH_S:
            return []
        if seconds < times[0]:
            return [self._run(0, self._apart(0, 1), seconds)]
        if seconds > times[-1]:
            last = len(times) - 1
            return [self._run(last, self._apart(last, -1), seconds)]
        index = bisect.bisect_left(times, seconds)
        if times[index] == seconds:
            return [heads[index]]
        return [heads[index - 1].union(heads[index])]

    def _apart(self, index: int, step: int) -> int:
        """The first box from ``index`` on in ``step``'s direction at least a second away:
        far enough apart for a steady direction of travel."""
        other = index
        while 0 <= other + step < len(self._times):
            other += step
            if abs(self._times[other] - self._times[index]) >= PERSON_REACH_S:
                break
        return other

    def _run(self, index: int, other: int, seconds: float) -> Box:
        """The head at ``index`` moved on to ``seconds`` along the way from ``other``."""
        head = self._heads[index]
        if other == index:
            return head.expanded(HEAD_MARGIN)
        factor = (seconds - self._times[index]) / (self._times[index] - self._times[other])
        (hx, hy), (ox, oy) = head.center, self._heads[other].center
        dx, dy = (hx - ox) * factor, (hy - oy) * factor
        moved = Box(head.x1 + dx, head.y1 + dy, head.x2 + dx, head.y2 + dy)
        # The further from the track's boxes, the less sure where the head is.
        return moved.expanded(HEAD_MARGIN + RUN_MARGIN * abs(factor)).clipped()


def face_boxes(finder: FaceFinder, image: Image, width: int = DETECT_WIDTH) -> list[Box]:
    """The finder's faces in ``image`` seen at most ``width`` pixels wide, grown by the margin.

    Boxes are normalized, so the smaller copy's boxes fit the full frame as they are.
    """
    height, full = image.shape[:2]
    if full > width:
        size = (width, max(2, round(height * width / full)))
        image = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    found = finder.detect_full(image, min_score=MIN_SCORE)
    return [face.box.expanded(FACE_MARGIN) for face in found]


def twin_snapshot(
    jpeg: bytes,
    finder: FaceFinder,
    people: Sequence[Box] = (),
    polygons: Sequence[Polygon] = (),
) -> bytes:
    """The snapshot with its faces and the heads of ``people`` blurred (b"" stays b""),
    the privacy zones ``polygons`` black again after it."""
    if not jpeg:
        return b""
    decoded = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_COLOR)
    if decoded is None:
        raise InvalidInput("the snapshot is not an image", field="snapshot")
    image: Image = np.asarray(decoded, dtype=np.uint8)
    regions = face_boxes(finder, image) + [head_region(box) for box in people]
    blurred = mask_frame(blur_regions(image, regions), polygons)
    ok, encoded = cv2.imencode(".jpg", blurred, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise InvalidInput("the blurred snapshot could not be encoded as JPEG")
    return encoded.tobytes()


@dataclass
class _Frame:
    index: int
    pts: int
    seconds: float
    image: Image
    faces: list[Box] | None  # None: detection didn't run on it


def twin_clip(
    source: Path,
    path: Path,
    finder: FaceFinder,
    people: Sequence[TimedBox] = (),
    *,
    polygons: Sequence[Polygon] = (),
    detect_fps: float = DETECT_FPS,
    crf: int = 23,
    preset: str = "veryfast",
) -> TwinInfo:
    """Write the twin of the clip at ``source`` to ``path`` (fragmented MP4, atomically).

    Faces are detected ``detect_fps`` times a second (and on the last frame); ``people``
    are the track's person boxes on the clip's clock. ``polygons``, the camera's privacy
    zones (already black in the clip), are blacked out again after blurring, so that no
    blur reaches into them. FFmpeg and file errors become :class:`StorageError`.
    """
    if not detect_fps > 0:
        raise InvalidInput(f"detect_fps must be above 0, got {detect_fps}", field="detect_fps")
    started = time.perf_counter()
    heads = PersonHeads(people)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with (
            av.open(str(source)) as reader,
            av.open(str(temp), mode="w", format="mp4", options=MP4_OPTIONS) as writer,
        ):
            if not reader.streams.video:
                raise InvalidInput(f"{source.name} has no video stream", field="clip")
            template = reader.streams.video[0]
            time_base = template.time_base or Fraction(1, 90_000)
            rate = template.average_rate or template.guessed_rate or Fraction(15)
            video = writer.add_stream("libx264", rate=rate)
            video.codec_context.time_base = time_base
            video.time_base = time_base
            video.width, video.height = _size(template, TWIN_WIDTH)
            video.pix_fmt = "yuv420p"
            # Five frames of lookahead, not veryfast's ten: each is a frame libx264 holds.
            video.codec_context.options = {"preset": preset, "crf": str(crf), **LOOKAHEAD}
            # One thread each way: the twin queue's thread makes one twin at a time
            # (doorstep.edge.twin_queue), and a thread pool holds a set of frames per thread.
            video.codec_context.thread_count = 1
            template.codec_context.thread_count = 1
            stride = max(1, round(float(rate) / detect_fps))
            frames = detected = 0
            decoded = _decoded(reader, template, (video.width, video.height))
            for item, regions in _blurred(decoded, finder, heads, stride):
                blurred = mask_frame(blur_regions(item.image, regions), polygons)
                out = av.VideoFrame.from_ndarray(blurred, "bgr24")
                out.pts, out.time_base = item.pts, time_base
                writer.mux(video.encode(out))
                frames += 1
                detected += item.faces is not None
            writer.mux(video.encode(None))
        with temp.open("rb") as file:
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if isinstance(exc, OSError | av.error.FFmpegError):
            raise StorageError(f"can't make the blurred twin of {source.name}: {exc}") from exc
        raise
    return TwinInfo(path, frames, detected, time.perf_counter() - started)


def _size(stream: av.VideoStream, most: int) -> tuple[int, int]:
    width, height = stream.codec_context.width, stream.codec_context.height
    if width <= most:
        return width, height
    return most, max(2, round(height * most / width / 2) * 2)


def _decoded(
    reader: av.container.InputContainer, stream: av.VideoStream, size: tuple[int, int]
) -> Iterator[_Frame]:
    previous = None
    for index, frame in enumerate(reader.decode(stream)):
        if frame.pts is None or (previous is not None and frame.pts <= previous):
            continue  # the encoder needs rising timestamps
        previous = frame.pts
        image = np.asarray(
            frame.to_ndarray(width=size[0], height=size[1], format="bgr24"), dtype=np.uint8
        )
        yield _Frame(index, frame.pts, float(frame.time or 0.0), image, None)


def _blurred(
    frames: Iterator[_Frame], finder: FaceFinder, heads: PersonHeads, stride: int
) -> Iterator[tuple[_Frame, list[Box]]]:
    """Each frame with the regions to blur in it, once enough detections after it are in.

    Frames wait in a queue until ``NEIGHBOURS`` detection frames after them are decoded
    (at most that many strides of frames: a few megabytes at 720p).
    """
    pending: deque[_Frame] = deque()
    detections: deque[_Frame] = deque()  # the detection frames still needed
    count = 0

    def release(final: bool) -> Iterator[tuple[_Frame, list[Box]]]:
        while pending:
            item = pending[0]
            after = [d for d in detections if d.index >= item.index][:NEIGHBOURS]
            if len(after) < NEIGHBOURS and not final:
                return
            while sum(d.index <= item.index for d in detections) > NEIGHBOURS:
                detections.popleft()
            before = [d for d in detections if d.index <= item.index]
            pending.popleft()
            faces = carried(
                item.index,
                [(d.index, d.faces or ()) for d in before],
                [(d.index, d.faces or ()) for d in after],
            )
            yield item, faces + heads.at(item.seconds)

    for item in frames:
        if count % stride == 0:
            item.faces = face_boxes(finder, item.image)
            detections.append(item)
        count += 1
        pending.append(item)
        yield from release(final=False)
    if pending and pending[-1].faces is None:  # the last frame: nothing after it to carry from
        pending[-1].faces = face_boxes(finder, pending[-1].image)
        detections.append(pending[-1])
    yield from release(final=True)


def redact_seconds(source: Path, finder: FaceFinder) -> float:
    """Seconds it takes to make the twin of the clip file at ``source`` (for the bench)."""
    target = source.with_name(f".{source.stem}.twin-{uuid.uuid4().hex}.mp4")
    try:
        return twin_clip(source, target, finder).seconds
    finally:
        target.unlink(missing_ok=True)
