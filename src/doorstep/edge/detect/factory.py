"""The one place detectors are chosen from their config."""

from __future__ import annotations

from typing import TYPE_CHECKING

from doorstep.edge.config import FaceConfig, HogDetector, OnnxDetector
from doorstep.edge.detect.base import Detector
from doorstep.edge.detect.hog import HogPersonDetector

if TYPE_CHECKING:
    from doorstep.edge.detect.faces import FaceDetector


def make_detector(config: HogDetector | OnnxDetector) -> Detector:
    """A ready detector; ONNX models are loaded here, so a bad path fails at start-up."""
    if isinstance(config, HogDetector):
        return HogPersonDetector(config)
    # Imported here: ONNX Runtime adds a quarter of a second to start-up, and HOG never needs it.
    from doorstep.edge.detect.onnx import OnnxObjectDetector

    return OnnxObjectDetector(config)


def make_face_detector(config: FaceConfig) -> FaceDetector | None:
    """The face detector, or None when it is off: ``enabled`` unset means on when the
    model is installed; set to true without the model, it fails here, at start-up."""
    from doorstep.edge.detect.faces import FaceDetector, face_model_path

    if config.enabled is False or (config.enabled is None and face_model_path() is None):
        return None
    return FaceDetector(config)
