"""``doorstep bench detect``: recall, precision and speed of each detector on generated frames.

Frames come from :mod:`doorstep.edge.synthetic` at 640×360, the default detection width:
a photographed person at four heights (30 to 75% of the frame) at several places along a
crossing, whole in view, plus frames with no people in them: the empty street, and the
street with a non-person photograph (a cat, a coffee cup) pasted at a person's size,
which is what motion hands the detector when a car or a bin moves.

Every frame comes with the motion region the edge would hand the detector: the box of
whatever moved (measured: the motion stage's box overlaps a walker's by IoU ~0.9), or a
person-sized box at a random place on the empty street (a shadow, leaves). A detection is
a true positive when it overlaps a person's box by IoU ≥ 0.3, one detection per person;
every other detection is a false positive. Timing is per ``detect`` call, one region each.

The baseline, ``motion only``, calls every motion region a person: what an edge without a
detector would record. A detector earns its cost by the false positives it removes from
that row while keeping its recall.
"""

from __future__ import annotations

import os
import platform
import random
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np
from numpy.typing import NDArray

from doorstep.edge.config import HogDetector, OnnxDetector
from doorstep.edge.detect.base import Detection, Detector
from doorstep.edge.detect.factory import make_detector
from doorstep.edge.geometry import Box
from doorstep.edge.synthetic import Walker, background, render

WIDTH, HEIGHT = 640, 360
HEIGHTS = (0.3, 0.45, 0.6, 0.75)  # of the frame: a person far away to one at the door
MATCH_IOU = 0.3
Kind = Literal["person", "empty", "object"]


@dataclass(frozen=True)
class Sample:
    kind: Kind
    image: NDArray[np.uint8]
    region: Box  # what motion would report
    person: Box | None  # the ground truth, on person frames


@dataclass(frozen=True)
class DetectorResult:
    detector: str
    min_score: float
    people: int
    true_positives: int
    false_positives_person_frames: int  # extra boxes beside the person
    empty_frames: int
    false_positives_empty: int
    object_frames: int
    false_positives_objects: int
    ms_per_frame: float  # mean of every detect() call
    ms_p95: float

    @property
    def recall(self) -> float:
        return self.true_positives / self.people if self.people else 0.0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def precision_without_objects(self) -> float:
        """Precision over person and empty-street frames only, as if nothing but people moved."""
        found = self.true_positives + self.false_positives_person_frames
        found += self.false_positives_empty
        return self.true_positives / found if found else 1.0

    @property
    def false_positives(self) -> int:
        return (
            self.false_positives_person_frames
            + self.false_positives_empty
            + self.false_positives_objects
        )

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {
            "recall": self.recall,
            "precision": self.precision,
            "precision_without_objects": self.precision_without_objects,
            "false_positives": self.false_positives,
        }


@dataclass(frozen=True)
class DetectBenchResult:
    frames_per_height: int
    rows: list[DetectorResult]

    def as_json(self) -> dict[str, Any]:
        return {
            "frame": [WIDTH, HEIGHT],
            "person_heights": list(HEIGHTS),
            "frames_per_height": self.frames_per_height,
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "opencv": cv2.__version__,
            },
            "detectors": [row.as_json() for row in self.rows],
        }


def run_detect_bench(
    *,
    frames_per_height: int = 12,
    hog_min_score: float | None = None,
    onnx: OnnxDetector | None = None,
    progress: Callable[[str], None] | None = None,
) -> DetectBenchResult:
    """Generate the frames once, then run each available detector over all of them."""
    report = progress or (lambda message: None)
    report("generating frames")
    samples = list(generate_samples(frames_per_height))
    hog = HogDetector() if hog_min_score is None else HogDetector(min_score=hog_min_score)
    detectors: list[tuple[str, Detector, float]] = [
        ("motion only", MotionOnly(), 0.0),
        ("hog", make_detector(hog), hog.min_score),
    ]
    if onnx is not None:
        detectors.append(("onnx", make_detector(onnx), onnx.min_score))
    rows = []
    for name, detector, min_score in detectors:
        report(f"running {name} over {len(samples)} frames")
        rows.append(measure(name, detector, min_score, samples))
    return DetectBenchResult(frames_per_height=frames_per_height, rows=rows)


class MotionOnly:
    """The baseline: every motion region is a person, with full confidence."""

    def detect(self, image: NDArray[np.uint8], regions: list[Box]) -> list[Detection]:
        return [Detection("person", 1.0, region) for region in regions]


def generate_samples(frames_per_height: int, seed: int = 0) -> Iterator[Sample]:
    """For each person height: person frames, empty frames and object frames, as many each."""
    rng = random.Random(seed)
    streets = [background(WIDTH, HEIGHT, seed=number) for number in range(3)]
    objects = _object_photos()
    count = 0
    for height in HEIGHTS:
        for index in range(frames_per_height):
            street = streets[count % len(streets)]
            walker = Walker(
                enter_s=0.0,
                exit_s=1.0,
                height=height,
                feet_y=rng.uniform(max(height, 0.8), 0.98),
                left_to_right=index % 2 == 0,
            )
            seconds = _whole_in_view(walker, rng)
            pixels = walker.box_at(seconds, WIDTH, HEIGHT)
            assert pixels is not None
            box = Box.from_pixels(*pixels, WIDTH, HEIGHT)
            yield Sample("person", render(seconds, street, [walker]), box, box)
            shifted = _shift(box, rng)
            yield Sample("empty", street, shifted, None)
            pasted = street.copy()
            x1, y1, x2, y2 = shifted.to_pixels(WIDTH, HEIGHT)
            photo = objects[count % len(objects)]
            pasted[y1:y2, x1:x2] = cv2.resize(photo, (x2 - x1, y2 - y1))
            yield Sample("object", pasted, shifted, None)
            count += 1


def measure(
    name: str, detector: Detector, min_score: float, samples: list[Sample]
) -> DetectorResult:
    for sample in samples[:2]:
        detector.detect(sample.image, [sample.region])  # warm-up: caches, sessions
    timings: list[float] = []
    counts = {"tp": 0, "person": 0, "empty": 0, "object": 0}
    for sample in samples:
        started = time.perf_counter()
        found = detector.detect(sample.image, [sample.region])
        timings.append(time.perf_counter() - started)
        matched = _matches(found, sample.person)
        counts["tp"] += matched
        counts[sample.kind] += len(found) - matched
    kinds = [sample.kind for sample in samples]
    cuts = statistics.quantiles(timings, n=20) if len(timings) > 1 else timings * 19
    return DetectorResult(
        detector=name,
        min_score=min_score,
        people=kinds.count("person"),
        true_positives=counts["tp"],
        false_positives_person_frames=counts["person"],
        empty_frames=kinds.count("empty"),
        false_positives_empty=counts["empty"],
        object_frames=kinds.count("object"),
        false_positives_objects=counts["object"],
        ms_per_frame=statistics.fmean(timings) * 1000,
        ms_p95=cuts[18] * 1000,
    )


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


def _matches(found: list[Detection], person: Box | None) -> int:
    """1 if a person detection overlaps the person's box enough, else 0."""
    if person is None:
        return 0
    return int(any(d.label == "person" and d.box.iou(person) >= MATCH_IOU for d in found))


def _whole_in_view(walker: Walker, rng: random.Random) -> float:
    """A moment of the crossing when the walker is wholly inside the frame."""
    while True:
        seconds = rng.uniform(0.15, 0.85)
        box = walker.box_at(seconds, WIDTH, HEIGHT)
        if box is not None and box[0] >= 0 and box[2] <= WIDTH:
            return seconds


def _shift(box: Box, rng: random.Random) -> Box:
    """The same size elsewhere along the street."""
    width = box.x2 - box.x1
    x1 = rng.uniform(0.0, 1.0 - width)
    return Box(x1, box.y1, x1 + width, box.y2)


def _object_photos() -> list[NDArray[np.uint8]]:
    """Photographs of things that are not people, shipped with scikit-image."""
    from skimage import data

    photos = []
    for load in (data.chelsea, data.coffee):
        rgb = np.asarray(load(), dtype=np.uint8)  # type: ignore[no-untyped-call]
        photos.append(np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), dtype=np.uint8))
    return photos
