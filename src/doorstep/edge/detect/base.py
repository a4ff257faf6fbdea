"""What every object detector takes and gives: a BGR frame and motion regions in, detections out.

Detectors run only where motion is, so they take the motion regions (normalized
:class:`~doorstep.edge.geometry.Box`) along with the frame and return normalized boxes
too; the tracker and the recorder never learn the detection frame's pixel size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from doorstep.edge.geometry import Box


@dataclass(frozen=True)
class Detection:
    """One object found in one frame. ``score`` is in [0, 1]; each detector says how."""

    label: str
    score: float
    box: Box


class Detector(Protocol):
    def detect(self, image: NDArray[np.uint8], regions: list[Box]) -> list[Detection]:
        """Objects in ``image`` (BGR, detection width) that lie in ``regions``.

        ``regions`` are the motion regions, normalized to the frame. No regions means
        nothing moved: a detector returns ``[]`` at once, without inference.
        """
        ...
