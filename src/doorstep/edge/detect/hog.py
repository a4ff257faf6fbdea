"""The built-in person detector: OpenCV's HOG + linear SVM people detector (Dalal-Triggs,
``cv2.HOGDescriptor.getDefaultPeopleDetector``).

It needs no model file and runs on any CPU, which is why it is the default; a modern
ONNX model (:mod:`doorstep.edge.detect.onnx`) is the better choice where one is available.

HOG looks only inside the motion regions. Each region is grown by :data:`PADDING` (a
person whose arm moved is still found whole) and cropped, and the crop is scaled to
:data:`CROP_HEIGHT` pixels tall. The detector's window is 64×128 pixels with the person in
its middle 96 rows, so without upscaling a person under ~100 px tall (most people on a
640 px frame) would never fit a window, and downscaling a big region keeps the cost per
region nearly constant. Windows from every crop are mapped back to the frame and one
non-maximum suppression runs across all crops, so overlapping regions report one person.

Score scale: the SVM's margin ``m`` (its signed distance from the decision plane, what
OpenCV returns as the window's weight) becomes ``score = 1 / (1 + exp(-m))``, so scores
share the 0-1 range of ONNX models and the tracker's ``min_score``. 0.5 is the plane
itself, OpenCV's usual ``hitThreshold`` of 0.

Known limit (``doorstep bench detect``): HOG learnt upright pedestrians, and things with
a person's outline fire it too — a pasted photograph's hard rectangular edges do. It
tells "an upright shape moved" from "nothing moved"; an ONNX model tells people from
things.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray

from doorstep.edge.config import HogDetector
from doorstep.edge.detect.base import Detection
from doorstep.edge.geometry import Box

PADDING = 0.3  # of the region's size, on every side: HOG's window wants a margin around a body
CROP_HEIGHT = 192  # pixels: 1.5 windows tall, so the window pyramid has a few levels
MIN_CROP_WIDTH = 72  # pixels: a window is 64 wide, plus room to slide
WINDOW_STRIDE = (8, 8)  # pixels; 4 costs three times as much and finds no more people
PYRAMID_SCALE = 1.05  # window growth per pyramid level
NMS_OVERLAP = 0.3  # HOG windows of one person overlap a lot; keep this low


def margin_to_score(margin: float) -> float:
    """The logistic of the SVM margin: a score in (0, 1), 0.5 on the decision plane."""
    return 1.0 / (1.0 + math.exp(-margin))


def score_to_margin(score: float) -> float:
    """The inverse of :func:`margin_to_score`, used as OpenCV's ``hitThreshold``."""
    clipped = min(max(score, 1e-6), 1 - 1e-6)
    return math.log(clipped / (1 - clipped))


class HogPersonDetector:
    """Finds people (label ``person``) in motion regions with OpenCV's HOG people detector."""

    label = "person"

    def __init__(self, config: HogDetector) -> None:
        self._config = config
        self._hog = cv2.HOGDescriptor()
        people = np.asarray(cv2.HOGDescriptor.getDefaultPeopleDetector(), dtype=np.float32)
        self._hog.setSVMDetector(people)
        self._hit_threshold = score_to_margin(config.min_score)

    def detect(self, image: NDArray[np.uint8], regions: list[Box]) -> list[Detection]:
        if not regions:
            return []
        height, width = image.shape[:2]
        boxes: list[Box] = []
        scores: list[float] = []
        for region in regions:
            x1, y1, x2, y2 = region.expanded(PADDING).to_pixels(width, height)
            if x2 - x1 < 8 or y2 - y1 < 8:
                continue  # a speck of motion: nothing a person could fit in
            crop = image[y1:y2, x1:x2]
            scale = max(CROP_HEIGHT / (y2 - y1), MIN_CROP_WIDTH / (x2 - x1))
            interpolation = cv2.INTER_LINEAR if scale > 1 else cv2.INTER_AREA
            resized = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=interpolation)
            found, weights = self._hog.detectMultiScale(
                resized,
                hitThreshold=self._hit_threshold,
                winStride=WINDOW_STRIDE,
                padding=(8, 8),
                scale=PYRAMID_SCALE,
                groupThreshold=0,  # grouping happens once, across crops, below
            )
            for (wx, wy, ww, wh), margin in zip(
                np.asarray(found).reshape(-1, 4), np.asarray(weights).ravel(), strict=True
            ):
                boxes.append(
                    Box.from_pixels(
                        x1 + wx / scale,
                        y1 + wy / scale,
                        x1 + (wx + ww) / scale,
                        y1 + (wy + wh) / scale,
                        width,
                        height,
                    )
                )
                scores.append(margin_to_score(float(margin)))
        return [
            Detection(self.label, scores[index], boxes[index])
            for index in non_maximum_suppression(boxes, scores, NMS_OVERLAP)
        ]


def non_maximum_suppression(boxes: list[Box], scores: list[float], overlap: float) -> list[int]:
    """Indices of the boxes kept, best score first (normalized boxes, so any frame size)."""
    if not boxes:
        return []
    unit = 10_000  # NMSBoxes takes pixel-like rectangles; normalized ones would round badly
    rectangles = [
        (box.x1 * unit, box.y1 * unit, (box.x2 - box.x1) * unit, (box.y2 - box.y1) * unit)
        for box in boxes
    ]
    kept = cv2.dnn.NMSBoxes(rectangles, scores, 0.0, overlap)
    return [int(index) for index in np.asarray(kept, dtype=np.int64).ravel()]
