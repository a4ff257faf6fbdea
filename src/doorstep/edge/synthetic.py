"""Generated scenes: a street-like background with people walking across it.

Used by the demo's synthetic cameras and by tests, which need H.264 video with a
person in it at known times. Each person's face and jacket are cut from a photograph
shipped with scikit-image (nothing is downloaded), on an upright walking figure.
"""

from __future__ import annotations

import importlib.util
import itertools
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

from doorstep.edge.heap import release_freed_memory
from doorstep.errors import ConfigurationError

Image = NDArray[np.uint8]


# A person is about twice as tall as wide, arms included.
SPRITE_ASPECT = 0.42


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
        sprite_w = int(sprite_h * SPRITE_ASPECT)
        progress = (seconds - self.enter_s) / max(self.exit_s - self.enter_s, 1e-6)
        if not self.left_to_right:
            progress = 1 - progress
        x1 = int(-sprite_w + progress * (width + sprite_w))
        y2 = int(self.feet_y * height)
        return x1, y2 - sprite_h, x1 + sprite_w, y2

    def stride_at(self, seconds: float) -> float:
        """How far the legs are apart, swinging twice a second as people walk."""
        return float(0.06 * abs(np.sin(np.pi * 2 * (seconds - self.enter_s))))


@lru_cache(maxsize=8)
def photograph(name: str) -> Image:
    """A photograph from scikit-image's data folder (``astronaut.png``), as BGR.

    Read without importing scikit-image, which would load SciPy too: 50 MB more in
    every edge that plays a generated camera.
    """
    spec = importlib.util.find_spec("skimage")  # finds the package without importing it
    folder = Path(spec.origin).parent if spec and spec.origin else Path()
    photo = cv2.imread(str(folder / "data" / name), cv2.IMREAD_COLOR)
    if photo is None:
        raise ConfigurationError(f"scikit-image's {name} is not in {folder / 'data'}")
    return np.asarray(photo, dtype=np.uint8)


def _hair() -> Image:
    """The astronaut's hair, above her forehead: a head seen from behind."""
    return np.ascontiguousarray(photograph("astronaut.png")[18:48, 180:270], dtype=np.uint8)


def _photographs() -> tuple[Image, Image]:
    """The face and the suit of the astronaut in scikit-image's "astronaut" photograph."""
    photo = photograph("astronaut.png")
    face = np.ascontiguousarray(photo[20:180, 150:300], dtype=np.uint8)
    suit = np.ascontiguousarray(photo[300:500, 30:140], dtype=np.uint8)
    return face, suit


@lru_cache(maxsize=256)
def person_sprite(
    height: int, stride: float = 0.03, *, back: bool = False
) -> tuple[Image, NDArray[np.bool_]]:
    """A standing person ``height`` pixels tall, as a BGR image and its mask.

    The head and the jacket are cut from a photograph; the figure is drawn upright with
    its legs ``stride`` (a fraction of its height) apart, the shape person detectors
    are trained on. Seen from the ``back``, the head is hair, with no face.
    """
    h = height
    w = max(2, int(round(h * SPRITE_ASPECT)))
    cx = w / 2
    image = np.zeros((h, w, 3), dtype=np.uint8)
    mask = np.zeros((h, w), dtype=np.uint8)
    face, suit = _photographs()

    def shape(points: list[tuple[float, float]], fill: Image | tuple[int, int, int]) -> None:
        outline = np.array([[int(x * h + cx), int(y * h)] for x, y in points], dtype=np.int32)
        region = np.zeros((h, w), dtype=np.uint8)
        cv2.fillPoly(region, [outline], 1)
        inside = region.astype(bool)
        if isinstance(fill, tuple):
            image[inside] = fill
        else:
            image[inside] = cv2.resize(fill, (w, h), interpolation=cv2.INTER_AREA)[inside]
        mask[inside] = 1

    trousers = (45, 40, 70)
    s = stride
    shape([(-0.12, 0.5), (-0.01, 0.5), (-0.03 - s, 0.98), (-0.10 - s, 0.98)], trousers)
    shape([(0.01, 0.5), (0.12, 0.5), (0.10 + s, 0.98), (0.03 + s, 0.98)], trousers)
    shape(
        [(-0.06, 0.15), (0.06, 0.15), (0.16, 0.2), (0.14, 0.52), (-0.14, 0.52), (-0.16, 0.2)], suit
    )
    shape([(-0.16, 0.2), (-0.2, 0.45), (-0.17, 0.47), (-0.12, 0.25)], suit)
    shape([(0.16, 0.2), (0.2, 0.45), (0.17, 0.47), (0.12, 0.25)], suit)
    head = np.zeros((h, w), dtype=np.uint8)
    cv2.ellipse(head, (int(cx), int(0.08 * h)), (int(0.055 * h), int(0.07 * h)), 0, 0, 360, 1, -1)
    face_box = (int(cx - 0.06 * h), 0, int(cx + 0.06 * h), int(0.16 * h))
    head_photo = _hair() if back else face
    scaled = cv2.resize(head_photo, (max(1, face_box[2] - face_box[0]), max(1, face_box[3])))
    inside = head.astype(bool)
    canvas = np.zeros_like(image)
    canvas[face_box[1] : face_box[3], face_box[0] : face_box[2]] = scaled[
        : face_box[3] - face_box[1], : max(0, min(w, face_box[2]) - face_box[0])
    ]
    image[inside] = canvas[inside]
    mask[inside] = 1
    return image, mask.astype(bool)


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


def paste(frame: Image, x1: int, y1: int, image: Image, mask: NDArray[np.bool_]) -> None:
    """Draw ``image``'s ``mask``ed pixels onto ``frame`` with its top left at (x1, y1),
    clipped to the frame."""
    height, width = frame.shape[:2]
    sx1, sy1 = max(0, -x1), max(0, -y1)
    dx1, dy1 = max(0, x1), max(0, y1)
    dx2, dy2 = min(width, x1 + image.shape[1]), min(height, y1 + image.shape[0])
    if dx2 <= dx1 or dy2 <= dy1:
        return
    crop = (slice(sy1, sy1 + dy2 - dy1), slice(sx1, sx1 + dx2 - dx1))
    target = frame[dy1:dy2, dx1:dx2]
    target[mask[crop]] = image[crop][mask[crop]]


def render(
    seconds: float, base: Image, walkers: Iterable[Walker], brightness: float = 1.0
) -> Image:
    """The frame at ``seconds``: ``base`` with every visible walker on it."""
    frame = base.copy()
    height, width = frame.shape[:2]
    for walker in walkers:
        box = walker.box_at(seconds, width, height)
        if box is None:
            continue
        x1, y1, x2, y2 = box
        sprite, mask = person_sprite(y2 - y1, round(walker.stride_at(seconds), 2))
        paste(frame, x1, y1, sprite, mask)
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


def write_h264(
    path: Path,
    frames: Iterable[Image],
    *,
    fps: int,
    gop_s: float = 1.0,
    movflags: str = "+faststart",
    crf: int | None = None,
) -> None:
    """Encode BGR frames as H.264 (libx264, yuv420p) into an MP4 with faststart.

    ``movflags`` as FFmpeg's MP4 muxer takes them (an edge's fragmented clip:
    :data:`doorstep.edge.record.MP4_OPTIONS`); ``crf`` sets the quality, hence the size.
    """
    frames = iter(frames)
    first = next(frames)
    height, width = first.shape[:2]
    with av.open(str(path), mode="w", options={"movflags": movflags}) as container:
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = max(1, int(fps * gop_s))
        options = {"preset": "veryfast", "tune": "zerolatency"}
        stream.codec_context.options = options if crf is None else {**options, "crf": str(crf)}
        for image in itertools.chain([first], frames):
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    release_freed_memory()  # what libx264 and the frames left in this thread's arena
