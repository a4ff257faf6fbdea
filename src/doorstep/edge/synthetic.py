"""Generated scenes: a street-like background with people walking across it.

Used by the demo's synthetic cameras and by tests, which need H.264 video with a
person in it at known times. The person is a photograph shipped with scikit-image
(nothing is downloaded).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import av
import cv2
import numpy as np
from numpy.typing import NDArray

Image = NDArray[np.uint8]


@dataclass(frozen=True)
class Walker:
    """A person crossing the frame from ``enter_s`` to ``exit_s``."""

    enter_s: float
    exit_s: float
    feet_y: float = 0.9  # where the feet are, as a fraction of the frame height
    height: float = 0.6  # the person's height, as a fraction of the frame height
    left_to_right: bool = True

    def box_at(self, seconds: float, width: int, height: int) -> tuple[int, int, int, int] | None:
        """Pixel box (x1, y1, x2, y2) at ``seconds``, or None when off screen."""
        if not self.enter_s <= seconds <= self.exit_s:
            return None
        sprite_h = int(self.height * height)
        sprite_w = int(sprite_h * _SPRITE_ASPECT)
        progress = (seconds - self.enter_s) / max(self.exit_s - self.enter_s, 1e-6)
        if not self.left_to_right:
            progress = 1 - progress
        x1 = int(-sprite_w + progress * (width + sprite_w))
        y2 = int(self.feet_y * height)
        return x1, y2 - sprite_h, x1 + sprite_w, y2


# The photographer in scikit-image's "camera" photograph, head to knees.
_SPRITE_CROP = (20, 512, 60, 380)
_SPRITE_ASPECT = (_SPRITE_CROP[3] - _SPRITE_CROP[2]) / (_SPRITE_CROP[1] - _SPRITE_CROP[0])


@lru_cache(maxsize=32)
def person_sprite(height: int) -> Image:
    """A BGR photograph of a standing person, ``height`` pixels tall."""
    from skimage import data

    y1, y2, x1, x2 = _SPRITE_CROP
    photo = np.asarray(data.camera(), dtype=np.uint8)  # type: ignore[no-untyped-call]
    grey = np.ascontiguousarray(photo[y1:y2, x1:x2])
    colour = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    width = max(1, int(round(height * _SPRITE_ASPECT)))
    resized = cv2.resize(colour, (width, height), interpolation=cv2.INTER_AREA)
    return np.asarray(resized, dtype=np.uint8)


def background(width: int, height: int, seed: int = 0) -> Image:
    """A still street: sky, a house front, a pavement, with a little fixed texture."""
    rng = np.random.default_rng(seed)
    image = np.zeros((height, width, 3), dtype=np.uint8)
    image[: height // 3] = (200, 170, 140)  # sky (BGR)
    image[height // 3 : int(height * 0.75)] = (90, 110, 150)  # house front
    image[int(height * 0.75) :] = (110, 115, 115)  # pavement
    for column in range(0, width, max(8, width // 12)):  # windows and a door
        cv2.rectangle(
            image,
            (column + 4, height // 3 + 10),
            (column + max(6, width // 20), height // 2),
            (60, 60, 60),
            -1,
        )
    noise = rng.integers(-6, 7, size=image.shape, dtype=np.int16)
    textured: Image = np.clip(image.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    return textured


def render(
    seconds: float, base: Image, walkers: Iterable[Walker], brightness: float = 1.0
) -> Image:
    """The frame at ``seconds``: ``base`` with every visible walker pasted on."""
    frame = base.copy()
    height, width = frame.shape[:2]
    for walker in walkers:
        box = walker.box_at(seconds, width, height)
        if box is None:
            continue
        x1, y1, x2, y2 = box
        sprite = person_sprite(y2 - y1)
        sx1, sy1 = max(0, -x1), max(0, -y1)
        dx1, dy1, dx2, dy2 = max(0, x1), max(0, y1), min(width, x2), min(height, y2)
        if dx2 <= dx1 or dy2 <= dy1:
            continue
        frame[dy1:dy2, dx1:dx2] = sprite[sy1 : sy1 + dy2 - dy1, sx1 : sx1 + dx2 - dx1]
    if brightness != 1.0:
        frame = np.clip(frame.astype(np.float32) * brightness, 0, 255).astype(np.uint8)
    return frame


def scene(
    *,
    width: int,
    height: int,
    fps: int,
    duration_s: float,
    walkers: list[Walker],
    brightness_changes: list[tuple[float, float]] | None = None,
    seed: int = 0,
) -> Iterator[Image]:
    """Every frame of a scene; ``brightness_changes`` are (from second, factor) steps."""
    base = background(width, height, seed)
    steps = sorted(brightness_changes or [])
    for index in range(int(round(duration_s * fps))):
        seconds = index / fps
        factor = 1.0
        for start, value in steps:
            if seconds >= start:
                factor = value
        yield render(seconds, base, walkers, factor)


def random_walkers(people: int, period_s: float, seed: int) -> list[Walker]:
    """``people`` walkers spread over ``period_s``, each crossing in 4 to 8 seconds."""
    rng = random.Random(seed)
    walkers = []
    for index in range(people):
        slot = period_s / max(people, 1)
        enter = index * slot + rng.uniform(0, max(slot - 8, 0.1))
        walkers.append(
            Walker(
                enter_s=enter,
                exit_s=enter + rng.uniform(4, 8),
                feet_y=rng.uniform(0.85, 0.97),
                height=rng.uniform(0.45, 0.7),
                left_to_right=rng.random() < 0.5,
            )
        )
    return walkers


def write_h264(path: Path, frames: Iterable[Image], *, fps: int, gop_s: float = 1.0) -> None:
    """Encode BGR frames as H.264 (libx264, yuv420p) into an MP4 with faststart."""
    frames = iter(frames)
    first = next(frames)
    height, width = first.shape[:2]
    with av.open(str(path), mode="w", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = max(1, int(fps * gop_s))
        stream.codec_context.options = {"preset": "veryfast", "tune": "zerolatency"}
        for image in (first, *frames):
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
