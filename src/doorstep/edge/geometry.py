"""Boxes and polygons in normalized image coordinates, shared by every edge stage.

Coordinates are fractions of the frame's width and height (0.0 top-left, 1.0
bottom-right), so motion (on a small grey frame), detection (on a 640 px frame) and
recording (full resolution) agree without converting between pixel sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Box:
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def area(self) -> float:
        return max(0.0, self.x2 - self.x1) * max(0.0, self.y2 - self.y1)

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x1 + self.x2) / 2, (self.y1 + self.y2) / 2)

    @property
    def bottom_center(self) -> tuple[float, float]:
        """Where a person stands: what zones are tested against."""
        return ((self.x1 + self.x2) / 2, self.y2)

    def intersection(self, other: Box) -> Box:
        """The overlap of two boxes (with zero area when they don't overlap)."""
        return Box(
            max(self.x1, other.x1),
            max(self.y1, other.y1),
            min(self.x2, other.x2),
            min(self.y2, other.y2),
        )

    def iou(self, other: Box) -> float:
        inter = self.intersection(other).area
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0

    def union(self, other: Box) -> Box:
        return Box(
            min(self.x1, other.x1),
            min(self.y1, other.y1),
            max(self.x2, other.x2),
            max(self.y2, other.y2),
        )

    def expanded(self, margin: float) -> Box:
        """Grown by ``margin`` of its own size on every side, clipped to the frame."""
        dx, dy = (self.x2 - self.x1) * margin, (self.y2 - self.y1) * margin
        return Box(
            max(0.0, self.x1 - dx),
            max(0.0, self.y1 - dy),
            min(1.0, self.x2 + dx),
            min(1.0, self.y2 + dy),
        ).clipped()

    def clipped(self) -> Box:
        return Box(
            min(max(self.x1, 0.0), 1.0),
            min(max(self.y1, 0.0), 1.0),
            min(max(self.x2, 0.0), 1.0),
            min(max(self.y2, 0.0), 1.0),
        )

    def to_pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        return (
            int(round(self.x1 * width)),
            int(round(self.y1 * height)),
            int(round(self.x2 * width)),
            int(round(self.y2 * height)),
        )

    @classmethod
    def from_pixels(
        cls, x1: float, y1: float, x2: float, y2: float, width: int, height: int
    ) -> Box:
        return cls(x1 / width, y1 / height, x2 / width, y2 / height).clipped()


Point = tuple[float, float]
Polygon = tuple[Point, ...]


def polygon_mask(polygons: list[Polygon], width: int, height: int) -> NDArray[np.bool_]:
    """A boolean mask, True inside any of ``polygons`` (normalized), at ``width``×``height``."""
    import cv2

    mask = np.zeros((height, width), dtype=np.uint8)
    for polygon in polygons:
        points = np.array(
            [[round(x * width), round(y * height)] for x, y in polygon], dtype=np.int32
        )
        cv2.fillPoly(mask, [points], 1)
    return mask.astype(bool)
