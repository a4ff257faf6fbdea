"""Where something moves: frame differencing against a slowly learnt background.

Motion runs on every frame, so it runs small: the caller hands :meth:`MotionDetector.update`
a grey frame already scaled to ``MotionConfig.width`` pixels wide (160 by default, any
height), and the detector returns normalized boxes, the regions the object detector will
look at. Scaling is the caller's job because the caller decodes once and feeds several
stages, each at its own size.

The background is a float accumulator (``cv2.accumulateWeighted``): a pixel changes when it
differs from it by more than ``threshold`` grey levels. Where nothing moves the background
learns at ``background_alpha`` per frame; under motion it learns ten times slower, so a
walker leaves no ghost trail behind, while something that stops for good (a parked car)
still fades into the background in a few hundred frames.

A change over more than ``lighting_change`` of the frame is a light switched on, a cloud
or the camera's exposure, not an intruder: the detector resets the background to the
current frame and reports no motion for :data:`SETTLE_FRAMES` frames while the exposure
settles.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from doorstep.edge.config import MotionConfig
from doorstep.edge.geometry import Box

SETTLE_FRAMES = 5  # after a lighting change, frames that only re-learn the background
MOVING_RATE = 0.1  # of background_alpha, under pixels that are moving
MERGE_GAP = 0.02  # boxes closer than this (fraction of the frame width) become one region
BLUR_KERNEL = (5, 5)  # before differencing: sensor noise and compression blocks away
DILATE_KERNEL = np.ones((3, 3), dtype=np.uint8)  # joins a body's fragments into one blob


class MotionDetector:
    """One camera's motion state. Not thread-safe: one decode loop feeds it."""

    def __init__(self, config: MotionConfig) -> None:
        self._config = config
        self._background: NDArray[np.float32] | None = None
        self._settling = 0
        self.changed_fraction = 0.0
        """Fraction of the last frame's pixels that changed (debugging and benchmarks)."""

    def update(self, grey: NDArray[np.uint8]) -> list[Box]:
        """Regions that moved in ``grey`` (uint8, ``config.width`` wide), merged, normalized."""
        blurred = cv2.GaussianBlur(grey, BLUR_KERNEL, 0)
        if self._background is None or self._background.shape != blurred.shape:
            self._background = blurred.astype(np.float32)
            self.changed_fraction = 0.0
            return []
        background = self._background
        difference = cv2.absdiff(blurred, cv2.convertScaleAbs(background))
        _, thresholded = cv2.threshold(difference, self._config.threshold, 255, cv2.THRESH_BINARY)
        changed = np.asarray(thresholded, dtype=np.uint8)
        self.changed_fraction = float(cv2.countNonZero(changed)) / changed.size
        if self.changed_fraction > self._config.lighting_change:
            self._settling = SETTLE_FRAMES
        if self._settling > 0:
            # Re-learnt from scratch each frame: an exposure ramps over several frames.
            self._settling -= 1
            self._background = blurred.astype(np.float32)
            return []
        moving = np.asarray(cv2.dilate(changed, DILATE_KERNEL, iterations=2), dtype=np.uint8)
        alpha = self._config.background_alpha
        cv2.accumulateWeighted(blurred, background, alpha, mask=cv2.bitwise_not(moving))
        cv2.accumulateWeighted(blurred, background, alpha * MOVING_RATE, mask=moving)
        return self._regions(changed, moving)

    def _regions(self, changed: NDArray[np.uint8], moving: NDArray[np.uint8]) -> list[Box]:
        """Boxes around the changed pixels of each dilated blob that has enough, then merged.

        The area test counts changed pixels, not the dilated blob, so a speck of noise
        doesn't pass ``min_area`` just because dilation grew it.
        """
        height, width = changed.shape
        least = self._config.min_area * width * height
        contours, _ = cv2.findContours(moving, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        boxes = []
        for contour in contours:
            x, y, w, h = cv2.boundingRect(contour)
            inside = changed[y : y + h, x : x + w]
            if cv2.countNonZero(inside) >= least:
                # The box of the changed pixels themselves: dilation only joined them.
                cx, cy, cw, ch = cv2.boundingRect(inside)
                boxes.append(
                    Box.from_pixels(x + cx, y + cy, x + cx + cw, y + cy + ch, width, height)
                )
        return merge_boxes(boxes, gap=MERGE_GAP, aspect=width / height)


def merge_boxes(boxes: list[Box], *, gap: float, aspect: float = 1.0) -> list[Box]:
    """Union every pair of boxes that overlap or lie within ``gap`` of each other.

    ``gap`` is a fraction of the frame's width; ``aspect`` (width / height) turns it into
    the same distance in pixels vertically. Repeats until no pair is left, since a union
    can reach boxes neither part reached.
    """
    merged = list(boxes)
    changed = True
    while changed:
        changed = False
        for index, box in enumerate(merged):
            grown = Box(box.x1 - gap, box.y1 - gap * aspect, box.x2 + gap, box.y2 + gap * aspect)
            for other_index in range(index + 1, len(merged)):
                other = merged[other_index]
                if grown.iou(other) > 0 or _touches(grown, other):
                    merged[index] = box.union(other)
                    del merged[other_index]
                    changed = True
                    break
            if changed:
                break
    return sorted(merged, key=lambda box: (box.y1, box.x1))


def _touches(first: Box, second: Box) -> bool:
    return (
        first.x1 <= second.x2
        and second.x1 <= first.x2
        and first.y1 <= second.y2
        and second.y1 <= first.y2
    )
