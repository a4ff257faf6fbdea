"""Object detection with a user-supplied ONNX model, on CPU or CUDA (ONNX Runtime).

Nothing is downloaded: ``detect.model`` names a file the owner put there.

Where it looks: one inference per call, on a crop covering every motion region (each grown
by :data:`PADDING`), at least half the model's input size on each side so a small crop is
zoomed at most 2×. Detections are then kept only where they overlap a region by at least
:data:`REGION_OVERLAP` of the smaller of the two. One inference instead of one per region
keeps the cost flat when motion is scattered; the crop still zooms in on a far-away person
when motion is in one place.

Preprocessing is a letterbox: the crop is scaled to fit ``input_size`` square keeping its
aspect ratio, centred and padded with grey (114), then fed as RGB. A float input gets
values 0-1 in NCHW; a uint8 input gets 0-255 as is, NCHW or NHWC as the model declares.

Outputs (``layout``):

``yolo``
    one tensor, either ``[1, 4+nc, N]`` (YOLOv8/YOLO11: cx, cy, w, h, then one score per
    class) or ``[1, N, 5+nc]`` (YOLOv5/YOLOv7: cx, cy, w, h, objectness, then class
    scores, which are multiplied by the objectness). They are told apart by which axis is
    longer: N, the candidates, is always the longer one in real exports.
``ssd``
    a boxes tensor ``[1, N, 4]``, a scores tensor ``[1, N]``, a classes tensor ``[1, N]``
    and optionally a count ``[1]``, found by name ("box", "score", "class"/"label", "num")
    or else by shape and by the classes being whole numbers. Boxes are x1, y1, x2, y2,
    except in TensorFlow Object Detection API exports (an output named
    ``detection_boxes``), which put y first.

Box coordinates are input pixels, or fractions of the input when none exceeds 1.5.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime
from numpy.typing import NDArray

from doorstep.edge.config import OnnxDetector
from doorstep.edge.detect.base import Detection
from doorstep.edge.geometry import Box
from doorstep.errors import ConfigurationError

PADDING = 0.1  # of each region's size, on every side
REGION_OVERLAP = 0.5  # of the smaller of detection and region, for a detection to count
LETTERBOX_GREY = 114

Floats = NDArray[np.float32]
_Fits = Callable[[Floats], bool]


@dataclass(frozen=True)
class Candidates:
    """Decoded boxes before NMS: x1, y1, x2, y2 in input pixels, best score, class index."""

    boxes: Floats
    scores: Floats
    classes: NDArray[np.int64]


class OnnxObjectDetector:
    def __init__(self, config: OnnxDetector) -> None:
        self._config = config
        self._session = _open_session(config)
        model_input = self._session.get_inputs()[0]
        self._input_name: str = model_input.name
        self._input_uint8 = model_input.type == "tensor(uint8)"
        self._input_float16 = model_input.type == "tensor(float16)"
        shape = list(model_input.shape)
        self._nhwc = len(shape) == 4 and shape[3] == 3 and shape[1] != 3
        spatial = shape[1:3] if self._nhwc else shape[2:4]
        fixed = [size for size in spatial if isinstance(size, int)]
        if any(size != config.input_size for size in fixed):
            raise ConfigurationError(
                f"{config.model} expects {spatial[0]}×{spatial[1]} input, but detect.input_size"
                f" is {config.input_size}; set input_size to the model's size"
            )

    def detect(self, image: NDArray[np.uint8], regions: list[Box]) -> list[Detection]:
        if not regions:
            return []
        height, width = image.shape[:2]
        x1, y1, x2, y2 = _crop_around(regions, width, height, self._config.input_size // 2)
        canvas, scale, (pad_x, pad_y) = letterbox(image[y1:y2, x1:x2], self._config.input_size)
        outputs = self._session.run(None, {self._input_name: self._tensor(canvas)})
        names = [output.name for output in self._session.get_outputs()]
        size = self._config.input_size
        if self._config.layout == "yolo":
            candidates = decode_yolo(np.asarray(outputs[0]), size)
        else:
            candidates = decode_ssd(dict(zip(names, map(np.asarray, outputs), strict=True)), size)
        found = []
        for label, score, (bx1, by1, bx2, by2) in self._select(candidates):
            box = Box.from_pixels(
                x1 + (bx1 - pad_x) / scale,
                y1 + (by1 - pad_y) / scale,
                x1 + (bx2 - pad_x) / scale,
                y1 + (by2 - pad_y) / scale,
                width,
                height,
            )
            if any(_overlap(box, region) >= REGION_OVERLAP for region in regions):
                found.append(Detection(label, score, box))
        return found

    def _tensor(self, canvas: NDArray[np.uint8]) -> NDArray[np.generic]:
        rgb = np.asarray(cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB))
        laid_out = rgb if self._nhwc else rgb.transpose(2, 0, 1)
        batch = np.ascontiguousarray(laid_out[np.newaxis])
        if self._input_uint8:
            return batch
        scaled = batch.astype(np.float32) * np.float32(1 / 255)
        return scaled.astype(np.float16) if self._input_float16 else scaled

    def _select(self, found: Candidates) -> list[tuple[str, float, tuple[float, ...]]]:
        """Score filter, class map, label filter, then NMS within each class."""
        config = self._config
        keep = [
            index
            for index in range(len(found.scores))
            if found.scores[index] >= config.min_score
            and config.classes.get(int(found.classes[index])) in config.labels
        ]
        if not keep:
            return []
        boxes = found.boxes[keep]
        rectangles = [(b[0], b[1], b[2] - b[0], b[3] - b[1]) for b in boxes.tolist()]
        scores = found.scores[keep].tolist()
        classes = found.classes[keep].tolist()
        kept = cv2.dnn.NMSBoxesBatched(
            rectangles, scores, classes, config.min_score, config.iou_threshold
        )
        return [
            (config.classes[classes[index]], float(scores[index]), tuple(boxes[index].tolist()))
            for index in np.asarray(kept, dtype=np.int64).ravel()
        ]


def _open_session(config: OnnxDetector) -> onnxruntime.InferenceSession:
    if not config.model.is_file():
        raise ConfigurationError(
            f"ONNX model {config.model} not found (detect.model); Doorstep downloads no"
            " models, so put the file there or fix the path"
        )
    providers = ["CPUExecutionProvider"]
    if config.provider == "cuda":
        available = onnxruntime.get_available_providers()
        if "CUDAExecutionProvider" not in available:
            raise ConfigurationError(
                f'detect.provider is "cuda", but this ONNX Runtime has no CUDA provider (it'
                f' has {", ".join(available)}); install onnxruntime-gpu or set provider = "cpu"'
            )
        providers.insert(0, "CUDAExecutionProvider")
    try:
        session = onnxruntime.InferenceSession(str(config.model), providers=providers)
    except Exception as exc:  # ONNX Runtime raises its own pybind classes (Fail, InvalidGraph)
        raise ConfigurationError(f"can't load ONNX model {config.model}: {exc}") from exc
    if config.provider == "cuda" and "CUDAExecutionProvider" not in session.get_providers():
        raise ConfigurationError(
            f'detect.provider is "cuda", but ONNX Runtime could not start CUDA for'
            f' {config.model} (no GPU, or CUDA/cuDNN libraries missing); set provider = "cpu"'
        )
    return session


def letterbox(
    image: NDArray[np.uint8], size: int
) -> tuple[NDArray[np.uint8], float, tuple[float, float]]:
    """``image`` scaled to fit ``size``², centred on grey; returns it, the scale, the padding.

    A point (x, y) of ``image`` lands at (x * scale + pad_x, y * scale + pad_y).
    """
    height, width = image.shape[:2]
    scale = min(size / width, size / height)
    new_width = max(1, round(width * scale))
    new_height = max(1, round(height * scale))
    interpolation = cv2.INTER_LINEAR if scale > 1 else cv2.INTER_AREA
    resized = cv2.resize(image, (new_width, new_height), interpolation=interpolation)
    pad_x, pad_y = (size - new_width) // 2, (size - new_height) // 2
    canvas = np.full((size, size, 3), LETTERBOX_GREY, dtype=np.uint8)
    canvas[pad_y : pad_y + new_height, pad_x : pad_x + new_width] = resized
    return canvas, scale, (float(pad_x), float(pad_y))


def decode_yolo(output: NDArray[np.generic], input_size: int) -> Candidates:
    """Candidates from a YOLO output: ``[1, 4+nc, N]`` or ``[1, N, 5+nc]`` (see the module)."""
    array = np.asarray(output, dtype=np.float32)
    if array.ndim == 3 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 2 or min(array.shape) < 5:
        raise ConfigurationError(
            f"a YOLO output is [1, 4+classes, N] or [1, N, 5+classes]; this model gives"
            f" {list(np.shape(output))} (is detect.layout right?)"
        )
    if array.shape[0] < array.shape[1]:  # [4+nc, N]: YOLOv8 and later, no objectness
        rows = array.T
        class_scores = rows[:, 4:]
    else:  # [N, 5+nc]: YOLOv5/v7, objectness in column 4
        rows = array
        class_scores = rows[:, 5:] * rows[:, 4:5]
    if class_scores.shape[1] == 0:
        raise ConfigurationError(f"YOLO output {list(np.shape(output))} has no class scores")
    centre_x, centre_y, box_w, box_h = (rows[:, column] for column in range(4))
    corners: Floats = np.stack(
        [centre_x - box_w / 2, centre_y - box_h / 2, centre_x + box_w / 2, centre_y + box_h / 2],
        axis=1,
    )
    classes = np.argmax(class_scores, axis=1).astype(np.int64)
    scores = class_scores[np.arange(len(rows)), classes]
    return Candidates(_to_input_pixels(corners, input_size), scores, classes)


def decode_ssd(outputs: dict[str, NDArray[np.generic]], input_size: int) -> Candidates:
    """Candidates from SSD-style boxes, scores, classes (and count) tensors (see the module)."""
    flat = {name: np.asarray(value, dtype=np.float32) for name, value in outputs.items()}
    boxes_name = next((name for name, value in flat.items() if value.shape[-1:] == (4,)), None)
    if boxes_name is None:
        shapes = {name: list(value.shape) for name, value in flat.items()}
        raise ConfigurationError(f"an SSD model outputs a [1, N, 4] boxes tensor; got {shapes}")
    boxes = flat.pop(boxes_name).reshape(-1, 4)
    if "detection_boxes" in boxes_name:  # TensorFlow Object Detection API: ymin, xmin, ...
        boxes = boxes[:, [1, 0, 3, 2]]
    count = _take(flat, ("num",), lambda value: value.ndim <= 1 and value.size == 1)
    per_box = {name: value.ravel() for name, value in flat.items() if value.size == len(boxes)}
    classes = _take(per_box, ("class", "label"), lambda value: bool(np.all(value == value.round())))
    scores = _take(per_box, ("score", "conf"), lambda value: True)
    if classes is None or scores is None:
        raise ConfigurationError(
            f"an SSD model outputs boxes, scores and classes; got {sorted(outputs)}"
        )
    total = len(boxes) if count is None else min(len(boxes), int(count.ravel()[0]))
    return Candidates(
        _to_input_pixels(boxes[:total], input_size),
        scores[:total].astype(np.float32),
        classes[:total].round().astype(np.int64),
    )


def _take(tensors: dict[str, Floats], hints: tuple[str, ...], fits: _Fits) -> Floats | None:
    """Remove and return the tensor named like ``hints``, else the first one that ``fits``."""
    for name in tensors:
        if any(hint in name.lower() for hint in hints):
            return tensors.pop(name)
    for name, value in tensors.items():
        if fits(value):
            return tensors.pop(name)
    return None


def _to_input_pixels(corners: Floats, input_size: int) -> Floats:
    if corners.size and float(np.abs(corners).max()) <= 1.5:
        return corners * input_size  # fractions of the input
    return corners


def _crop_around(regions: list[Box], width: int, height: int, least: int) -> tuple[int, ...]:
    """Pixels of the crop covering every region grown by PADDING, at least ``least`` a side."""
    union = regions[0].expanded(PADDING)
    for region in regions[1:]:
        union = union.union(region.expanded(PADDING))
    x1, y1, x2, y2 = union.to_pixels(width, height)
    x1, x2 = _widen(x1, x2, min(least, width), width)
    y1, y2 = _widen(y1, y2, min(least, height), height)
    return x1, y1, x2, y2


def _widen(start: int, end: int, least: int, limit: int) -> tuple[int, int]:
    """[start, end) grown about its middle to ``least`` long, kept inside [0, limit)."""
    if end - start >= least:
        return start, end
    start = max(0, (start + end - least) // 2)
    end = min(limit, start + least)
    return end - least, end


def _overlap(first: Box, second: Box) -> float:
    """Intersection over the smaller box: a person's box over a small moving arm counts."""
    inter = first.intersection(second).area
    smaller = min(first.area, second.area)
    return inter / smaller if smaller > 0 else 0.0
