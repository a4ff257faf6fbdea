"""``doorstep bench detect``: how events are scored against the set's truth, and the command."""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from doorstep.bench.detect import (
    BlurCounts,
    DetectBenchResult,
    DetectionCounts,
    SceneRun,
    SignalResult,
    WithFaces,
    _blur_counts,
    _signals,
    count_detections,
    covered,
    high_frequency,
    onnx_config,
)
from doorstep.cli import app
from doorstep.edge.detect.base import Detection
from doorstep.edge.geometry import Box
from doorstep.edge.pipeline import RecordedEvent
from doorstep.edge.scan import ScannedEvent
from doorstep.edge.scenes import Visit, evaluation_set
from doorstep.edge.synthetic import write_h264
from tests.edge.test_detect import constant_model, yolov8_output


def test_coverage_is_the_share_of_the_visit_inside_the_union_of_events() -> None:
    visit = Visit(2.0, 6.0)
    # 2-4 (two overlapping events, counted once) and 5-6 of the 4 s visit; 7-8 is after it.
    assert covered(visit, [(1.0, 3.0), (2.5, 4.0), (5.0, 7.0), (7.0, 8.0)]) == pytest.approx(0.75)
    assert covered(visit, [(0.0, 10.0)]) == 1.0
    assert covered(visit, [(6.5, 9.0)]) == 0.0


def test_missed_false_and_extra_events_per_scene() -> None:
    visits = (Visit(3.0, 8.0), Visit(10.0, 12.0))
    # The first visit split in two, a false event between the visits, the second missed.
    run = SceneRun("x", True, visits, ((3.0, 5.0), (5.5, 8.0), (8.5, 9.5)), None)
    assert (run.missed, run.false, run.extra) == (1, 1, 1)
    assert run.coverage == pytest.approx([4.5 / 5.0, 0.0])
    negative = SceneRun("y", False, (), ((1.0, 2.0),), None)
    assert (negative.missed, negative.false, negative.extra) == (0, 1, 0)
    both = SignalResult("hog", (run, negative), 3.0, 2.0)
    assert (both.missed_events, both.false_events, both.extra_events) == (1, 2, 1)
    assert (both.event_recall, both.event_precision) == (0.5, 0.5)
    assert both.presence_coverage == 0.0 and both.floor_ratio == 1.5


def result(*signals: tuple[str, int, int, float]) -> DetectBenchResult:
    """A result whose signals have (name, missed visits, false events, coverage)."""
    rows = []
    for name, missed, false, coverage in signals:
        visits = (Visit(0.0, 10.0),) * 2
        events = ((0.0, 10.0 * coverage),) * (2 - missed) + ((20.0, 21.0),) * false
        counts = DetectionCounts(10, 10, 10, 0)
        run = SceneRun(
            "s", True, visits[: 2 - missed] + (Visit(30.0, 31.0),) * missed, events, counts
        )
        rows.append(SignalResult(name, (run,), 1.0, 1.0))
    return DetectBenchResult(
        640, 360, 15, 1.0, tuple(rows), rows[-1], "hog", BlurCounts(), None, ""
    )


def test_the_chosen_signal_misses_no_visit_then_has_fewest_false_events() -> None:
    chosen = result(
        ("motion only", 0, 0, 1.0),  # the baseline is never chosen
        ("hog", 1, 0, 1.0),  # misses a visit
        ("faces", 0, 2, 1.0),
        ("hog + faces", 0, 1, 0.95),
    ).chosen
    assert chosen is not None and chosen.signal == "hog + faces"
    tie = result(("hog", 0, 1, 0.9), ("faces", 0, 1, 0.95)).chosen
    assert tie is not None and tie.signal == "faces"  # the better coverage
    assert result(("hog", 1, 0, 1.0)).chosen is None


def test_detections_are_true_on_a_person_or_a_labelled_face() -> None:
    scene = next(s for s in evaluation_set(640, 360, 15) if s.name == "walk-mid")
    (visit,) = scene.visits
    seconds = round(visit.start_s + visit.seconds / 2, 1)
    truth = scene.truth[round(seconds * scene.fps)]
    (person,), (face,) = truth.people, truth.faces
    elsewhere = Box(0.0, 0.0, 0.05, 0.1)
    nudged = Box(face.x1 + 0.002, face.y1, face.x2 + 0.002, face.y2)
    found = [
        Detection("person", 0.9, person),
        Detection("face", 0.8, nudged),  # the same person again: found once
        Detection("person", 0.7, elsewhere),
        Detection("face", 0.6, elsewhere),
    ]
    assert count_detections(scene, [(seconds, found)]) == DetectionCounts(1, 1, 2, 2)
    assert count_detections(scene, [(seconds, found[2:])]) == DetectionCounts(1, 0, 0, 2)
    assert count_detections(scene, [(0.0, found[:1])]) == DetectionCounts(0, 0, 0, 1)


def test_blurring_takes_the_high_frequencies_away() -> None:
    rng = np.random.default_rng(0)
    sharp = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)
    blurred = np.asarray(np.broadcast_to(sharp.mean(axis=(0, 1)), sharp.shape), dtype=np.uint8)
    assert high_frequency(blurred) < 0.01 * high_frequency(sharp)


def test_a_user_supplied_onnx_model_is_measured_alone_and_with_faces(tmp_path: Path) -> None:
    model = constant_model(tmp_path / "v8.onnx", {"output0": yolov8_output()})
    onnx = onnx_config(model, layout="yolo", input_size=64, person_class=0, provider="cpu")

    names = [name for name, _ in _signals(None, onnx)]

    assert names == ["motion only", "hog", "faces", "hog + faces", "onnx", "onnx + faces"]


def test_bench_detect_scans_a_scene_with_each_signal() -> None:
    arguments = ["bench", "detect", "--json", "--scene", "cat", "--no-redact"]

    outcome = CliRunner().invoke(app, arguments)

    assert outcome.exit_code == 0, outcome.output
    report = json.loads(outcome.stdout)
    signals = {row["signal"]: row for row in report["signals"]}
    assert list(signals) == ["motion only", "hog", "faces", "hog + faces"]
    assert signals["motion only"]["false_events"] >= 1  # the cat moved: the baseline records it
    assert signals["faces"]["false_events"] == 0  # a cat's face is no person's
    assert [row["scene"] for row in signals["hog"]["scenes"]] == ["cat"]
    assert report["missed_events"] == 0 and report["presence_coverage"] == 1.0
    assert report["redact_realtime_factor"] is None
    assert report["redact_note"] == "not measured (--no-redact)"
    assert report["shipped_signal"] == "hog + faces"


def test_bench_detect_names_an_unknown_scene() -> None:
    outcome = CliRunner().invoke(app, ["bench", "detect", "--scene", "horse"])

    assert outcome.exit_code != 0
    assert "'horse' is not in the set" in outcome.output
    assert "walk-near" in outcome.output


def test_faces_left_sharp_in_a_twin_count_as_missed(tmp_path: Path) -> None:
    scene = next(s for s in evaluation_set(640, 360, 15) if s.name == "walk-near")
    first, count = 4 * scene.fps, 15  # seconds 4 to 5: the walker's face is in every frame
    frames = list(itertools.islice(scene.frames(), first, first + count))
    twin = []
    for number, image in enumerate(frames):
        image = image.copy()
        if number % 3:  # every third frame keeps its face
            (face,) = scene.truth[first + number].faces
            x1, y1, x2, y2 = face.expanded(0.3).to_pixels(640, 360)
            image[y1:y2, x1:x2] = cv2.blur(image[y1:y2, x1:x2], (31, 31))
        twin.append(image)
    write_h264(tmp_path / "clip.mp4", frames, fps=scene.fps)
    write_h264(tmp_path / "twin.mp4", twin, fps=scene.fps)
    event = RecordedEvent(
        id=uuid.uuid4(),
        camera_id=uuid.uuid4(),
        label="person",
        score=0.9,
        start_s=4.0,
        end_s=5.0,
        clip_start_s=4.0,
        clip_end_s=5.0,
        started_at=datetime.now(UTC),
        ended_at=datetime.now(UTC),
        clip=b"",
        snapshot=b"",
        twin_clip=(tmp_path / "twin.mp4").read_bytes(),
    )
    item = ScannedEvent(event, tmp_path / "clip.mp4", tmp_path / "none.jpg")

    counts = _blur_counts(scene, item, tmp_path, BlurCounts(faces=2, missed=1))

    assert counts == BlurCounts(faces=2 + count, missed=1 + count // 3)


def test_hog_with_faces_looks_for_faces_only_where_no_person_was_found() -> None:
    person, elsewhere = Box(0.1, 0.2, 0.3, 0.9), Box(0.6, 0.1, 0.9, 0.5)
    asked: list[list[Box]] = []

    class People:
        def detect(self, image: np.ndarray, regions: list[Box]) -> list[Detection]:
            return [Detection("person", 0.9, person)]

    class Faces:
        def detect(self, image: np.ndarray, regions: list[Box]) -> list[Detection]:
            asked.append(regions)
            return [Detection("face", 0.8, region) for region in regions]

    found = WithFaces(People(), Faces()).detect(np.zeros((4, 4, 3), np.uint8), [person, elsewhere])

    assert asked == [[elsewhere]]
    assert [d.label for d in found] == ["person", "face"]
