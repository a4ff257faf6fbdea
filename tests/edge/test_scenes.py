"""The generated evaluation set: its truth matches what is drawn, and its videos decode."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from doorstep.edge.config import FaceConfig
from doorstep.edge.detect.faces import FaceDetector
from doorstep.edge.scenes import Scene, evaluation_set
from doorstep.edge.synthetic import background

WIDTH, HEIGHT, FPS = 640, 360, 15

POSITIVES = {
    "walk-far",
    "walk-mid",
    "walk-near",
    "walk-away",
    "two-crossing",
    "standing-at-door",
    "close-up",
    "behind-car",
}
NEGATIVES = {"cat", "dog", "passing-car", "lighting", "tree-shadows", "rain"}


def by_name(name: str, width: int = WIDTH, height: int = HEIGHT) -> Scene:
    (found,) = [scene for scene in evaluation_set(width, height, FPS) if scene.name == name]
    return found


def frame(scene: Scene, index: int) -> np.ndarray:
    for number, image in enumerate(scene.frames()):
        if number == index:
            return image
    raise IndexError(index)


def test_the_set_has_every_scene_the_issue_asks_for() -> None:
    scenes = evaluation_set(WIDTH, HEIGHT, FPS)
    assert {s.name for s in scenes if s.positive} == POSITIVES
    assert {s.name for s in scenes if not s.positive} == NEGATIVES
    for scene in scenes:
        assert bool(scene.visits) == scene.positive, scene.name
        people = sum(1 for truth in scene.truth if truth.people)
        assert (people > 0) == scene.positive, scene.name
    assert len(by_name("two-crossing").visits) == 2
    with_faces = {s.name for s in scenes if any(truth.faces for truth in s.truth)}
    assert with_faces == POSITIVES - {"walk-away"}  # seen from behind: no face


@pytest.mark.parametrize(("name", "faces"), [("walk-mid", 1), ("walk-away", 0), ("close-up", 1)])
def test_the_face_detector_finds_the_labelled_faces_and_no_other(name: str, faces: int) -> None:
    scene = by_name(name)
    (visit,) = scene.visits
    index = int((visit.start_s + visit.seconds / 2) * FPS)

    found = FaceDetector(FaceConfig(enabled=True)).detect_full(frame(scene, index))

    assert len(found) == faces
    for detection, labelled in zip(found, scene.truth[index].faces, strict=True):
        assert detection.box.iou(labelled) >= 0.4


def test_walk_mid_visit_is_when_half_the_body_is_in_view() -> None:
    # Its centre goes from 1.15 to -0.15 of the width over seconds 3 to 8; half of the
    # body is in view while the centre is in the frame: from 3 + 5 * 0.15/1.3 = 3.577 s
    # to 3 + 5 * 1.15/1.3 = 7.423 s, the first and last frames at 15 fps being 3.6 and 7.4.
    (visit,) = by_name("walk-mid").visits
    assert visit.start_s == pytest.approx(3.6)
    assert visit.end_s == pytest.approx(7.4)


@pytest.mark.parametrize("name", ["walk-mid", "standing-at-door", "close-up"])
def test_what_changed_from_the_street_lies_inside_the_person_box(name: str) -> None:
    scene = by_name(name)
    (visit,) = scene.visits
    index = int((visit.start_s + visit.seconds / 2) * FPS)
    changed = np.any(frame(scene, index) != background(WIDTH, HEIGHT, scene.seed), axis=2)
    (person,) = scene.truth[index].people
    x1, y1, x2, y2 = person.to_pixels(WIDTH, HEIGHT)
    rows, columns = np.nonzero(changed)
    drawn = (columns.min(), rows.min(), columns.max() + 1, rows.max() + 1)
    slack = 0.04 * (y2 - y1)  # arms and feet stop short of the box's edges
    assert all(abs(a - b) <= slack for a, b in zip(drawn, (x1, y1, x2, y2), strict=True)), drawn
    (face,) = scene.truth[index].faces
    fx1, fy1, fx2, fy2 = face.to_pixels(WIDTH, HEIGHT)
    assert x1 <= fx1 < fx2 <= x2 and y1 <= fy1 < fy2 <= y1 + 2 * (y2 - y1) // 3  # the head


def test_negatives_leave_no_person_but_move() -> None:
    for name in NEGATIVES:
        scene = by_name(name, 320, 180)
        street = background(320, 180, scene.seed)
        quiet, busy = frame(scene, 0), frame(scene, 4 * FPS)
        moved = np.abs(busy.astype(np.int16) - quiet.astype(np.int16)).max(axis=2) > 25
        assert moved.mean() > 0.002, name  # what motion detection reports at its default
        assert all(not truth.people and not truth.faces for truth in scene.truth)
        assert quiet.shape == street.shape


def test_a_scene_writes_once_as_h264_with_every_frame(tmp_path: Path) -> None:
    scene = by_name("walk-near", 320, 180)
    path = scene.video(tmp_path)
    written = path.stat().st_mtime_ns
    assert scene.video(tmp_path) == path and path.stat().st_mtime_ns == written
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.width, stream.height) == ("h264", 320, 180)
        assert sum(1 for _ in container.decode(stream)) == scene.frame_count == 9 * FPS
