"""The one place a detector is chosen from its config's ``type``."""

from __future__ import annotations

from doorstep.edge.config import HogDetector, OnnxDetector
from doorstep.edge.detect.base import Detector
from doorstep.edge.detect.hog import HogPersonDetector


def make_detector(config: HogDetector | OnnxDetector) -> Detector:
    """A ready detector; ONNX models are loaded here, so a bad path fails at start-up."""
    if isinstance(config, HogDetector):
        return HogPersonDetector(config)
    # Imported here: ONNX Runtime adds a quarter of a second to start-up, and HOG never needs it.
    from doorstep.edge.detect.onnx import OnnxObjectDetector

    return OnnxObjectDetector(config)
