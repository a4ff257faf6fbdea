"""The blurred twin: every labelled face of the generated set blurred, the rest of the frame kept.

The scenes are scanned as a camera would see them (``doorstep edge scan``: motion, the
person and face detectors, the tracker), so the twin gets the event's own track.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from doorstep.edge.config import FaceConfig
from doorstep.edge.detect.faces import FaceDetector
from doorstep.edge.geometry import Box, polygon_mask
from doorstep.edge.scan import ScannedEvent, scan_file
from doorstep.edge.scenes import Scene, evaluation_set
from doorstep.edge.twin import PersonHeads, TimedBox, carried, twin_clip, twin_snapshot
from tests.edge.conftest import face_frames

# A real face filling the door, a fast walker whose face the detector finds, and a far
# walker whose face is too small for it: only the track's head region covers that one.
SCENES = ("close-up", "walk-near", "walk-far")
FPS = 10
# A face counts as blurred when its region keeps at most this share of the original's
# high-frequency energy (Laplacian variance). Measured on these scenes: the originals'
# faces hold 500 (the photo) to 15,000 (the drawn walkers); blurred ones keep under 1 %
# of that, a face the blur missed by a few pixels keeps 3 to 25 %.
BLURRED = 0.02
# Where no face is, the twin keeps at least this share of the detail: encoding it again
# keeps 60 to 100 % of a flat patch's little detail; a blurred one keeps under 5 %.
KEPT = 0.5
KEPT_CORNERS = 0.9
TEXTURED = 20.0  # a corner with less detail than this (bare wall, sky) tells nothing
# The detector may find a face in at most this share of the twin's frames that had one.
MAX_FOUND = 0.05

Image = np.ndarray


@pytest.fixture(scope="module")
def finder() -> FaceDetector:
    return FaceDetector(FaceConfig())


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Scene, ScannedEvent]]:
    folder = tmp_path_factory.mktemp("twins")
    events = []
    for scene in evaluation_set(640, 360, FPS):
        if scene.name in SCENES:
            [event] = scan_file(scene.video(folder), out=folder / scene.name)
            twin = folder / scene.name / "twin.mp4"
            twin.write_bytes(event.event.twin_clip)
            events.append((scene, event))
    assert sorted(scene.name for scene, _ in events) == sorted(SCENES)
    return events


def frame_pairs(scene: Scene, scanned: ScannedEvent) -> Iterator[tuple[int, Image, Image]]:
    """(index in the scene, original frame, twin frame) for every frame of the event's clip."""
    start = scanned.event.clip_start_s
    twin = scanned.clip_path.with_name("twin.mp4")
    with av.open(str(scanned.clip_path)) as original, av.open(str(twin)) as blurred:
        pairs = zip(original.decode(video=0), blurred.decode(video=0), strict=True)
        for before, after in pairs:
            index = round((start + float(before.time or 0.0)) * scene.fps)
            if index < len(scene.truth):
                yield index, before.to_ndarray(format="bgr24"), after.to_ndarray(format="bgr24")


def detail(image: Image, box: Box) -> float:
    height, width = image.shape[:2]
    x1, y1, x2, y2 = box.to_pixels(width, height)
    grey = cv2.cvtColor(image[y1:y2, x1:x2], cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def test_the_detector_finds_no_face_in_the_twin_where_the_original_had_one(
    scanned: list[tuple[Scene, ScannedEvent]], finder: FaceDetector
) -> None:
    with_faces = found = 0
    for scene, event in scanned:
        for index, original, twin in frame_pairs(scene, event):
            # Every other frame with a face: the detector is the slow part of this test.
            faces = finder.detect_full(original) if scene.truth[index].faces and index % 2 else []
            if faces:
                with_faces += 1
                again = finder.detect_full(twin)
                found += any(a.box.intersection(f.box).area > 0 for a in again for f in faces)
    assert with_faces >= 20  # the close-up and the near walker's faces, found in the originals
    assert found <= MAX_FOUND * with_faces, f"a face found in {found} of {with_faces} frames"


def test_every_labelled_face_is_blurred_in_every_sampled_frame(
    scanned: list[tuple[Scene, ScannedEvent]],
) -> None:
    sampled = 0
    for scene, event in scanned:
        for index, original, twin in frame_pairs(scene, event):
            if index % 3:
                continue
            for face in scene.truth[index].faces:
                x1, y1, x2, y2 = face.to_pixels(scene.width, scene.height)
                if x2 - x1 < 4 or y2 - y1 < 4:
                    continue
                sampled += 1
                kept = detail(twin, face) / detail(original, face)
                assert kept <= BLURRED, f"{scene.name} frame {index}: {kept:.0%} of the detail"
    assert sampled >= 45


def test_the_twin_keeps_the_street(scanned: list[tuple[Scene, ScannedEvent]]) -> None:
    """Faces are blurred, not frames: corners well away from everyone keep their detail.

    Over-blurring is allowed (a head followed before its track began may cover a corner
    for a moment), so it is counted, not forbidden.
    """
    corners = [Box(x, y, x + 0.2, y + 0.2) for x in (0.0, 0.8) for y in (0.0, 0.8)]
    checked = kept = 0
    for scene, event in scanned:
        for index, original, twin in frame_pairs(scene, event):
            near = [person.expanded(1.0) for person in scene.truth[index].people]
            for corner in corners:
                if index % 5 or any(p.intersection(corner).area for p in near):
                    continue
                if (before := detail(original, corner)) >= TEXTURED:
                    checked += 1
                    kept += detail(twin, corner) >= KEPT * before
    assert checked >= 20
    assert kept >= KEPT_CORNERS * checked, f"{kept} of {checked} corners kept their detail"


def test_the_snapshot_twin_has_no_face(
    scanned: list[tuple[Scene, ScannedEvent]], finder: FaceDetector
) -> None:
    [close_up] = [event for scene, event in scanned if scene.name == "close-up"]
    snapshot = close_up.event.snapshot
    decoded = cv2.imdecode(np.frombuffer(snapshot, np.uint8), cv2.IMREAD_COLOR)
    assert finder.detect_full(decoded)
    twin = cv2.imdecode(np.frombuffer(close_up.event.twin_snapshot, np.uint8), cv2.IMREAD_COLOR)
    assert not finder.detect_full(twin)
    assert twin_snapshot(b"", finder) == b""


def test_a_head_is_followed_before_the_first_box_and_after_the_last() -> None:
    """A person walking right at 0.1 a second, seen from 2 s to 4 s: the head is covered
    from 1 s before, along the way they came, to 1 s after."""
    people = [
        TimedBox(2.0 + step / 5, Box(0.3 + step / 50, 0.2, 0.4 + step / 50, 0.8))
        for step in range(11)
    ]
    heads = PersonHeads(people)
    # Where the head's centre is at each time (x, y), from the walk's own equation.
    for seconds in (1.0, 1.5, 2.3, 3.9, 4.5, 5.0):
        centre = (0.35 + (seconds - 2.0) / 10, 0.3)
        assert any(_contains(box, centre) for box in heads.at(seconds)), seconds
    assert heads.at(6.5) == [] and heads.at(-0.5) == []


def test_a_face_coming_into_view_is_covered_before_it_is_first_found() -> None:
    """Found at frames 10 and 13 moving left 0.06 a frame; at frame 8 it was 0.12 further right."""
    first, second = Box(0.80, 0.4, 0.88, 0.5), Box(0.62, 0.4, 0.70, 0.5)
    regions = carried(8, [(7, [])], [(10, [first]), (13, [second])])
    assert any(_contains(box, (0.96, 0.45)) for box in regions)


def _contains(box: Box, point: tuple[float, float]) -> bool:
    return box.x1 <= point[0] <= box.x2 and box.y1 <= point[1] <= box.y2


def test_privacy_zones_stay_black_in_the_twin(
    face_video: Path, finder: FaceDetector, tmp_path: Path
) -> None:
    """A zone across the close-up's path: black in every frame, where the blur meets it too."""
    zone = ((0.55, 0.2), (0.75, 0.2), (0.75, 0.45), (0.55, 0.45))
    twin = twin_clip(face_video, tmp_path / "twin.mp4", finder, polygons=[zone]).path
    inside = polygon_mask([zone], 640, 360)
    inside &= np.roll(inside, 6, axis=0) & np.roll(inside, -6, axis=0)  # lossy coding: away
    inside &= np.roll(inside, 6, axis=1) & np.roll(inside, -6, axis=1)  # from its edge
    with av.open(str(twin)) as container:
        for frame in container.decode(video=0):
            image = frame.to_ndarray(format="bgr24")
            assert image[inside].max() <= 8, f"the zone shows at {frame.time}"
    jpeg = cv2.imencode(".jpg", next(face_frames()))[1].tobytes()
    snapshot = cv2.imdecode(np.frombuffer(twin_snapshot(jpeg, finder, (), [zone]), np.uint8), 1)
    assert snapshot[inside].max() <= 8


# Run in a process of its own: a test worker's other threads (servers of earlier tests,
# their allocator arenas) move its RSS by tens of MB while the detector runs.
_WHOLE_FRAME_GROWTH = """
from pathlib import Path
import numpy as np
from doorstep.edge.config import FaceConfig
from doorstep.edge.detect.faces import FaceDetector

def rss_mb():
    status = Path("/proc/self/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024

finder = FaceDetector(FaceConfig())
rng = np.random.default_rng(0)
finder.detect_full(rng.integers(0, 256, (360, 640, 3), dtype=np.uint8))  # a twin's frame
frame = rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8)
before = rss_mb()
for _ in range(2):
    finder.detect_full(frame)
print(rss_mb() - before)
"""


def test_a_whole_frame_detection_hands_its_memory_back() -> None:
    """The model's arena would keep what its largest inference needed for the life of the
    process: a 1280×720 frame after a twin's 640 px one leaves the process 160 MB larger
    when the arena keeps it, 26 MB larger when the run hands it back (measured)."""
    run = subprocess.run(
        [sys.executable, "-c", _WHOLE_FRAME_GROWTH], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert float(run.stdout) < 80
