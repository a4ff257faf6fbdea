"""Detectors: HOG on motion regions, and ONNX output decoding on tiny models built here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
from numpy.typing import NDArray
from onnx import TensorProto, helper, numpy_helper

from doorstep.edge.config import HogDetector, OnnxDetector
from doorstep.edge.detect.base import Detection
from doorstep.edge.detect.factory import make_detector
from doorstep.edge.detect.hog import HogPersonDetector, margin_to_score, score_to_margin
from doorstep.edge.detect.onnx import OnnxObjectDetector, letterbox
from doorstep.edge.geometry import Box
from doorstep.edge.synthetic import Walker, background, render
from doorstep.errors import ConfigurationError

WIDTH, HEIGHT = 640, 360
HOG = HogDetector(min_score=0.4)


def truth(walker: Walker, seconds: float) -> Box:
    box = walker.box_at(seconds, WIDTH, HEIGHT)
    assert box is not None
    return Box.from_pixels(*box, WIDTH, HEIGHT)


# -- HOG ------------------------------------------------------------------------------


@pytest.mark.parametrize("height", [0.45, 0.6, 0.75])
def test_hog_finds_the_person_in_a_motion_region(height: float) -> None:
    walker = Walker(enter_s=0.0, exit_s=10.0, height=height, feet_y=0.95)
    for seconds in (3.0, 5.0, 7.0):
        frame = render(seconds, background(WIDTH, HEIGHT), [walker])
        region = truth(walker, seconds)  # what motion reports for a walker

        found = HogPersonDetector(HOG).detect(frame, [region])

        assert found, seconds
        best = max(found, key=lambda detection: detection.score)
        assert best.label == "person"
        assert best.score >= HOG.min_score
        assert best.box.iou(region) > 0.3, seconds


def test_hog_finds_nothing_on_an_empty_background() -> None:
    detector = HogPersonDetector(HOG)
    for seed in range(3):
        empty = background(WIDTH, HEIGHT, seed)
        regions = [Box(0.05, 0.2, 0.3, 0.95), Box(0.4, 0.3, 0.6, 0.9), Box(0.7, 0.1, 0.95, 0.8)]

        assert detector.detect(empty, regions) == []


def test_hog_looks_only_inside_the_regions() -> None:
    left = Walker(enter_s=0.0, exit_s=10.0, feet_y=0.95)
    right = Walker(enter_s=0.0, exit_s=10.0, feet_y=0.95, left_to_right=False)
    frame = render(3.0, background(WIDTH, HEIGHT), [left, right])
    detector = HogPersonDetector(HOG)

    assert detector.detect(frame, []) == []
    assert detector.detect(frame, [Box(0.4, 0.1, 0.6, 0.9)]) == []  # the empty middle
    found = detector.detect(frame, [truth(right, 3.0)])
    assert found
    assert all(detection.box.iou(truth(right, 3.0)) > 0.3 for detection in found)


def test_hog_score_is_the_logistic_of_the_svm_margin() -> None:
    assert margin_to_score(0.0) == 0.5
    assert margin_to_score(2.0) == pytest.approx(0.8808, abs=1e-4)
    assert score_to_margin(margin_to_score(-0.4)) == pytest.approx(-0.4)


# -- ONNX -----------------------------------------------------------------------------

CLASSES = {0: "person", 1: "bicycle", 2: "car"}


def constant_model(
    path: Path,
    outputs: dict[str, NDArray[np.float32]],
    *,
    input_shape: list[int] | None = None,
    input_type: int = TensorProto.FLOAT,
) -> Path:
    """A real ONNX model whose outputs are the given constants, whatever the input."""
    nodes = [
        helper.make_node("Constant", [], [name], value=numpy_helper.from_array(value))
        for name, value in outputs.items()
    ]
    graph = helper.make_graph(
        nodes,
        "constant",
        [helper.make_tensor_value_info("images", input_type, input_shape or [1, 3, 64, 64])],
        [
            helper.make_tensor_value_info(name, TensorProto.FLOAT, list(value.shape))
            for name, value in outputs.items()
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 9
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def onnx_config(model: Path, **changes: object) -> OnnxDetector:
    values: dict[str, object] = {
        "model": model,
        "input_size": 64,
        "classes": CLASSES,
        "labels": ["person", "car"],
        "min_score": 0.5,
        "iou_threshold": 0.45,
    }
    return OnnxDetector.model_validate(values | changes)


# A 128×64 frame letterboxed into 64×64: scale 0.5, 16 px of grey above and below. So
# input pixel (x, y) is frame pixel (2x, 2(y - 16)), normalized over 128 and 64.
FRAME = np.zeros((64, 128, 3), dtype=np.uint8)
WHOLE = [Box(0.0, 0.0, 1.0, 1.0)]
# Candidates as (cx, cy, w, h) in input pixels, class index, score.
CANDIDATES = [
    ((24.0, 32.0, 16.0, 32.0), 0, 0.9),  # a person: frame box (0.25, 0, 0.5, 1)
    ((25.0, 32.0, 16.0, 32.0), 0, 0.8),  # the same person again: NMS removes it
    ((24.0, 32.0, 14.0, 30.0), 2, 0.7),  # a car on the person: another class, kept
    ((48.0, 32.0, 8.0, 16.0), 1, 0.95),  # a bicycle: not in labels
    ((56.0, 32.0, 8.0, 16.0), 0, 0.3),  # a person under min_score
]
EXPECTED = [
    ("person", 0.9, Box(0.25, 0.0, 0.5, 1.0)),
    ("car", 0.7, Box(0.265625, 0.03125, 0.484375, 0.96875)),
]


def summary(found: list[Detection]) -> list[tuple[str, float, Box]]:
    """Label, score and box of each detection, rounded, best first."""
    rows = []
    for detection in found:
        box = detection.box
        rounded = Box(round(box.x1, 6), round(box.y1, 6), round(box.x2, 6), round(box.y2, 6))
        rows.append((detection.label, round(detection.score, 6), rounded))
    return sorted(rows, key=lambda row: -row[1])


def yolov8_output(candidates: int = 12) -> NDArray[np.float32]:
    output = np.zeros((1, 4 + len(CLASSES), candidates), dtype=np.float32)
    for index, (xywh, class_index, score) in enumerate(CANDIDATES):
        output[0, :4, index] = xywh
        output[0, 4 + class_index, index] = score
    return output


def test_onnx_decodes_yolov8_layout_with_nms_class_map_and_label_filter(tmp_path: Path) -> None:
    model = constant_model(tmp_path / "v8.onnx", {"output0": yolov8_output()})

    found = OnnxObjectDetector(onnx_config(model)).detect(FRAME, WHOLE)

    assert summary(found) == EXPECTED


def test_onnx_decodes_yolov5_layout_with_objectness(tmp_path: Path) -> None:
    output = np.zeros((1, 12, 5 + len(CLASSES)), dtype=np.float32)
    for index, (xywh, class_index, score) in enumerate(CANDIDATES):
        output[0, index, :4] = xywh
        output[0, index, 4] = 1.0
        output[0, index, 5 + class_index] = score
    output[0, 5] = [40, 32, 8, 16, 0.5, 0.9, 0, 0]  # person 0.9 × objectness 0.5 < 0.5
    model = constant_model(tmp_path / "v5.onnx", {"output": output})

    found = OnnxObjectDetector(onnx_config(model)).detect(FRAME, WHOLE)

    assert summary(found) == EXPECTED


def test_onnx_keeps_only_detections_overlapping_a_region(tmp_path: Path) -> None:
    model = constant_model(tmp_path / "v8.onnx", {"output0": yolov8_output()})
    detector = OnnxObjectDetector(onnx_config(model))

    assert detector.detect(FRAME, []) == []
    # Two regions whose padded union spans the frame, so the crop is the whole frame again.
    apart = [Box(0.0, 0.0, 0.2, 1.0), Box(0.9, 0.0, 1.0, 1.0)]
    assert detector.detect(FRAME, apart) == []
    on_person = [Box(0.0, 0.0, 0.4, 1.0), Box(0.9, 0.0, 1.0, 1.0)]  # over 60% of each
    assert [row[0] for row in summary(detector.detect(FRAME, on_person))] == ["person", "car"]


def test_onnx_decodes_ssd_outputs_tensorflow_style(tmp_path: Path) -> None:
    boxes = np.zeros((1, 4, 4), dtype=np.float32)  # ymin, xmin, ymax, xmax; fractions
    boxes[0, 0] = [0.25, 0.25, 0.75, 0.5]  # a person: frame box (0.25, 0, 0.5, 1)
    boxes[0, 1] = [0.25, 0.0, 0.5, 0.25]  # a person beyond num_detections
    model = constant_model(
        tmp_path / "ssd.onnx",
        {
            "detection_boxes": boxes,
            "detection_classes": np.array([[1, 1, 0, 0]], dtype=np.float32),
            "detection_scores": np.array([[0.8, 0.9, 0, 0]], dtype=np.float32),
            "num_detections": np.array([1], dtype=np.float32),
        },
        input_shape=[1, 64, 64, 3],  # uint8 NHWC, as TensorFlow exports take
        input_type=TensorProto.UINT8,
    )
    config = onnx_config(model, layout="ssd", classes={1: "person"}, labels=["person"])

    found = OnnxObjectDetector(config).detect(FRAME, WHOLE)

    assert summary(found) == [("person", 0.8, Box(0.25, 0.0, 0.5, 1.0))]


def test_onnx_decodes_ssd_outputs_with_corner_boxes_in_pixels(tmp_path: Path) -> None:
    model = constant_model(
        tmp_path / "ssd.onnx",
        {
            "bboxes": np.array([[[0, 16, 32, 48], [32, 16, 64, 48]]], dtype=np.float32),
            "labels": np.array([[0, 2]], dtype=np.float32),
            "scores": np.array([[0.6, 0.4]], dtype=np.float32),
        },
    )

    found = OnnxObjectDetector(onnx_config(model, layout="ssd")).detect(FRAME, WHOLE)

    assert summary(found) == [("person", 0.6, Box(0.0, 0.0, 0.5, 1.0))]


def test_letterbox_maps_points_by_scale_and_padding() -> None:
    image = np.full((50, 200, 3), 255, dtype=np.uint8)

    canvas, scale, (pad_x, pad_y) = letterbox(image, 100)

    assert (scale, pad_x, pad_y) == (0.5, 0.0, 37.0)  # 25 rows tall, centred
    assert canvas.shape == (100, 100, 3)
    assert canvas[36, 50].tolist() == [114] * 3 and canvas[37, 50].tolist() == [255] * 3


def test_onnx_problems_are_configuration_errors_that_say_what(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "yolo.onnx"
    with pytest.raises(ConfigurationError, match=str(missing)):
        OnnxObjectDetector(onnx_config(missing))

    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"not a model")
    with pytest.raises(ConfigurationError, match="can't load ONNX model"):
        OnnxObjectDetector(onnx_config(garbage))

    model = constant_model(tmp_path / "v8.onnx", {"output0": yolov8_output()})
    with pytest.raises(ConfigurationError, match="input_size"):
        OnnxObjectDetector(onnx_config(model, input_size=96))

    wrong = OnnxObjectDetector(onnx_config(model, layout="ssd"))
    with pytest.raises(ConfigurationError, match="boxes"):
        wrong.detect(FRAME, WHOLE)


@pytest.mark.skipif(
    "CUDAExecutionProvider" in onnxruntime.get_available_providers(),
    reason="this ONNX Runtime has CUDA",
)
def test_onnx_asking_for_cuda_without_it_is_a_configuration_error(tmp_path: Path) -> None:
    model = constant_model(tmp_path / "v8.onnx", {"output0": yolov8_output()})

    with pytest.raises(ConfigurationError, match="no CUDA provider"):
        OnnxObjectDetector(onnx_config(model, provider="cuda"))


def test_make_detector_picks_by_type(tmp_path: Path) -> None:
    model = constant_model(tmp_path / "v8.onnx", {"output0": yolov8_output()})

    assert isinstance(make_detector(HogDetector()), HogPersonDetector)
    assert isinstance(make_detector(onnx_config(model)), OnnxObjectDetector)
