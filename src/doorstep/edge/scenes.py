"""The generated evaluation set: short videos of what a door camera sees, with the truth.

Each :class:`Scene` is a few seconds of a street in front of a house, made of actors
drawn on :func:`doorstep.edge.synthetic.background`, and knows for every frame where each
person is (their whole body) and where each face is. Positive scenes have people in them;
negative scenes have only things that move and are not people. Every photograph comes with
scikit-image (nothing is downloaded): people wear the astronaut's face, so a face detector
sees a real face.

Positives (people): walk-bys at three sizes and speeds (far and slow, mid, near and fast),
a walk-by seen from behind (no face to find), two people crossing at different distances,
a person walking up to the door and standing there for five seconds (swaying a little, as
people do), a close-up head and shoulders filling the frame at the door, and a walk behind
a parked car that hides the legs.
Negatives: a cat (the photographed head of scikit-image's "chelsea" on a four-legged body),
a dog, a passing car, a lighting change, tree shadows moving in the wind, and rain.

A person is *visible* while at least half of their body's width is inside the frame; each
contiguous run of visible frames is one *visit*. Faces are the head's ellipse (on walking
figures) or the photographed face (on the close-up), counted while half of the face box
is inside the frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
from numpy.typing import NDArray

from doorstep.edge.geometry import Box
from doorstep.edge.synthetic import (
    SPRITE_ASPECT,
    Image,
    background,
    paste,
    person_sprite,
    photograph,
    write_h264,
)

Pixels = tuple[int, int, int, int]  # x1, y1, x2, y2
Mask = NDArray[np.bool_]


class Actor(Protocol):
    def draw(self, frame: Image, seconds: float) -> None:
        """Draw onto ``frame`` (BGR, changed in place) as it is at ``seconds``."""
        ...


def _along(keys: Sequence[tuple[float, float]], seconds: float) -> float | None:
    """The value at ``seconds`` on a path of (second, value) keys, linear between them."""
    if not keys or not keys[0][0] <= seconds <= keys[-1][0]:
        return None
    for (t0, v0), (t1, v1) in zip(keys, keys[1:], strict=False):
        if t0 <= seconds <= t1:
            return v0 + (v1 - v0) * (seconds - t0) / max(t1 - t0, 1e-9)
    return keys[-1][1]


def _moving(keys: Sequence[tuple[float, float]], seconds: float) -> bool:
    for (t0, v0), (t1, v1) in zip(keys, keys[1:], strict=False):
        if t0 <= seconds <= t1:
            return abs(v1 - v0) > 1e-6
    return False


@dataclass(frozen=True)
class Person:
    """A walking figure whose centre follows ``keys``: (second, x as a fraction of the width).

    Off the path's time range the person is not in the scene. The legs swing while the
    centre moves and stand together while it does not; ``sway`` (a fraction of the width)
    shifts a standing person's weight from foot to foot, once every two seconds. A person
    seen from the ``back`` shows no face.
    """

    keys: tuple[tuple[float, float], ...]
    height: float = 0.6  # of the frame
    feet_y: float = 0.92  # of the frame
    sway: float = 0.0
    back: bool = False

    def centre(self, seconds: float) -> float | None:
        x = _along(self.keys, seconds)
        if x is None:
            return None
        if self.sway and not _moving(self.keys, seconds):
            x += self.sway * math.sin(math.pi * (seconds - self.keys[0][0]))
        return x

    def body(self, seconds: float, width: int, height: int) -> Pixels | None:
        centre = self.centre(seconds)
        if centre is None:
            return None
        sprite_h = int(self.height * height)
        sprite_w = max(2, int(round(sprite_h * SPRITE_ASPECT)))
        x1 = int(round(centre * width - sprite_w / 2))
        y2 = int(self.feet_y * height)
        return x1, y2 - sprite_h, x1 + sprite_w, y2

    def face(self, seconds: float, width: int, height: int) -> Pixels | None:
        box = self.body(seconds, width, height)
        if box is None or self.back:
            return None
        x1, y1, x2, y2 = box
        h, cx = y2 - y1, (x1 + x2) / 2  # the head's ellipse in person_sprite
        return (
            int(cx - 0.055 * h),
            int(y1 + 0.01 * h),
            int(math.ceil(cx + 0.055 * h)),
            int(math.ceil(y1 + 0.15 * h)),
        )

    def draw(self, frame: Image, seconds: float) -> None:
        box = self.body(seconds, frame.shape[1], frame.shape[0])
        if box is None:
            return
        stride = 0.0
        if _moving(self.keys, seconds):
            stride = 0.06 * abs(math.sin(2 * math.pi * (seconds - self.keys[0][0])))
        sprite, mask = person_sprite(box[3] - box[1], round(stride, 2), back=self.back)
        paste(frame, box[0], box[1], sprite, mask)


# The close-up's cut from the astronaut photograph, and the face inside that cut
# (x1, y1, x2, y2 in the cut's pixels: forehead to chin, ear to ear).
PORTRAIT_CUT = (0, 340, 50, 400)  # y1, y2, x1, x2 of the photograph
PORTRAIT_FACE = (115, 35, 235, 180)


@cache
def _portrait() -> tuple[Image, Mask]:
    """Head and shoulders of the astronaut, and the mask that cuts them from the photo."""
    y1, y2, x1, x2 = PORTRAIT_CUT
    image = np.ascontiguousarray(photograph("astronaut.png")[y1:y2, x1:x2])
    mask = np.zeros(image.shape[:2], dtype=np.uint8)
    cv2.ellipse(mask, (175, 100), (80, 100), 0, 0, 360, 1, -1)  # head and hair
    cv2.fillPoly(
        mask, [np.array([[130, 150], [225, 150], [350, 250], [350, 340], [0, 340], [0, 250]])], 1
    )  # neck, collar and shoulders
    return image, mask.astype(bool)


@dataclass(frozen=True)
class Portrait:
    """A head and shoulders close to a door camera: ``height`` of the frame, bottom at the
    frame's bottom, its centre following ``keys`` and bobbing a little as people do."""

    keys: tuple[tuple[float, float], ...]
    height: float = 0.85

    def body(self, seconds: float, width: int, height: int) -> Pixels | None:
        centre = _along(self.keys, seconds)
        if centre is None:
            return None
        image, _ = _portrait()
        h = int(self.height * height)
        w = int(round(h * image.shape[1] / image.shape[0]))
        bob = int(round(0.01 * height * math.sin(2 * math.pi * 0.7 * seconds)))
        x1 = int(round(centre * width - w / 2))
        return x1, height - h + bob, x1 + w, height + bob

    def face(self, seconds: float, width: int, height: int) -> Pixels | None:
        box = self.body(seconds, width, height)
        if box is None:
            return None
        scale = (box[3] - box[1]) / _portrait()[0].shape[0]
        fx1, fy1, fx2, fy2 = PORTRAIT_FACE
        return (
            box[0] + int(fx1 * scale),
            box[1] + int(fy1 * scale),
            box[0] + int(math.ceil(fx2 * scale)),
            box[1] + int(math.ceil(fy2 * scale)),
        )

    def draw(self, frame: Image, seconds: float) -> None:
        box = self.body(seconds, frame.shape[1], frame.shape[0])
        if box is None:
            return
        image, mask = _scaled(_portrait, box[3] - box[1])
        paste(frame, box[0], box[1], image, mask)


@cache
def _four_legs() -> Mask:
    """The silhouette of scikit-image's horse: a four-legged animal facing right."""
    horse = photograph("horse.png")
    return np.asarray(cv2.cvtColor(horse, cv2.COLOR_BGR2GRAY) < 128, dtype=bool)


@cache
def _cat() -> tuple[Image, Mask]:
    """A cat: the horse's outline squashed to a cat's build, in the chelsea photo's fur,
    with the photographed head (eyes, nose, whiskers) on its front."""
    legs = _four_legs().astype(np.uint8)
    body_h, body_w = 140, 260
    shape = cv2.resize(legs, (body_w, body_h), interpolation=cv2.INTER_NEAREST)
    cat = photograph("chelsea.png")
    fur = cv2.resize(cat[200:300, 0:150], (body_w + 40, body_h + 40))
    image = fur[20 : 20 + body_h, 0:body_w].copy()
    mask = shape.astype(bool)
    head = cv2.resize(cat[10:290, 60:400], (110, 90))
    ellipse = np.zeros((90, 110), dtype=np.uint8)
    cv2.ellipse(ellipse, (55, 45), (54, 44), 0, 0, 360, 1, -1)
    inside = ellipse.astype(bool)
    region = (slice(0, 90), slice(body_w - 110, body_w))
    image[region][inside] = head[inside]
    mask[region] |= inside
    return np.ascontiguousarray(image), mask


@cache
def _dog() -> tuple[Image, Mask]:
    """A dog: the four-legged outline at a dog's build, in a dark brown coat."""
    shape = cv2.resize(_four_legs().astype(np.uint8), (240, 140), interpolation=cv2.INTER_NEAREST)
    rng = np.random.default_rng(3)
    coat = np.full((140, 240, 3), (40, 70, 110), dtype=np.int16)
    coat += rng.integers(-25, 26, size=coat.shape, dtype=np.int16)
    image = np.clip(cv2.GaussianBlur(coat.astype(np.uint8), (3, 3), 0), 0, 255)
    return np.ascontiguousarray(image, dtype=np.uint8), shape.astype(bool)


@cache
def _car() -> tuple[Image, Mask]:
    """A side view of a car: body, cabin with dark windows, wheels."""
    w, h = 400, 150
    image = np.zeros((h, w, 3), dtype=np.uint8)
    mask = np.zeros((h, w), dtype=np.uint8)
    cabin = np.array([[90, 60], [130, 8], [290, 8], [340, 60]])
    for layer, value in ((mask, 1), (image, (60, 60, 170))):
        cv2.rectangle(layer, (0, 55), (w - 1, 120), value, -1)
        cv2.fillPoly(layer, [cabin], value)
    cv2.fillPoly(image, [np.array([[110, 56], [140, 16], [205, 16], [205, 56]])], (50, 40, 30))
    cv2.fillPoly(image, [np.array([[215, 56], [215, 16], [282, 16], [320, 56]])], (50, 40, 30))
    for x in (85, 315):
        for layer, value in ((mask, 1), (image, (25, 25, 25))):
            cv2.circle(layer, (x, 118), 31, value, -1)
        cv2.circle(image, (x, 118), 13, (150, 150, 150), -1)
    cv2.rectangle(image, (w - 14, 70), (w - 1, 82), (80, 200, 240), -1)  # headlight
    return image, mask.astype(bool)


Make = Callable[[], tuple[Image, Mask]]


@lru_cache(maxsize=512)
def _scaled(make: Make, height: int) -> tuple[Image, Mask]:
    image, mask = make()
    width = max(1, int(round(height * image.shape[1] / image.shape[0])))
    scaled = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
    shape = cv2.resize(mask.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST)
    return np.asarray(scaled, dtype=np.uint8), shape.astype(bool)


@dataclass(frozen=True)
class Thing:
    """Something that is not a person, its left edge following ``keys`` (fractions of the
    width), bottom at ``bottom_y``; ``flip`` faces it left. Four-legged things bob as
    they trot."""

    make: Make
    keys: tuple[tuple[float, float], ...]
    height: float
    bottom_y: float
    flip: bool = False
    trot: float = 0.0  # bob, as a fraction of its height

    def draw(self, frame: Image, seconds: float) -> None:
        left = _along(self.keys, seconds)
        if left is None:
            return
        height, width = frame.shape[:2]
        image, mask = _scaled(self.make, int(self.height * height))
        if self.flip:
            image, mask = image[:, ::-1], mask[:, ::-1]
        bob = self.trot * image.shape[0] * abs(math.sin(3 * math.pi * seconds))
        y1 = int(self.bottom_y * height - image.shape[0] - bob)
        paste(frame, int(round(left * width)), y1, image, mask)


@dataclass(frozen=True)
class Lighting:
    """Brightness steps, each (from second, factor) and eased over ``ease_s``."""

    steps: tuple[tuple[float, float], ...]
    ease_s: float = 0.3

    def draw(self, frame: Image, seconds: float) -> None:
        factor = 1.0
        for start, value in self.steps:
            if seconds >= start:
                share = min(1.0, (seconds - start) / self.ease_s)
                factor = factor + (value - factor) * share
        if factor != 1.0:
            frame[:] = np.clip(frame.astype(np.float32) * factor, 0, 255).astype(np.uint8)


@cache
def _leaves(width: int, height: int) -> NDArray[np.float32]:
    """A dappled shadow of leaves: 1.0 in the light, down to 0.55 in the shade."""
    rng = np.random.default_rng(7)
    noise = rng.random((max(4, height // 12), max(4, width // 12))).astype(np.float32)
    smooth = cv2.resize(noise, (width * 2, height), interpolation=cv2.INTER_CUBIC)
    shade = np.where(smooth > 0.55, 0.55, 1.0).astype(np.float32)
    return np.asarray(cv2.GaussianBlur(shade, (0, 0), max(1.0, width / 200)), dtype=np.float32)


@dataclass(frozen=True)
class TreeShadows:
    """Leaf shadows on the house front and pavement, swaying in gusts of wind."""

    start_s: float
    end_s: float
    reach: float = 0.08  # of the width, each way

    def draw(self, frame: Image, seconds: float) -> None:
        height, width = frame.shape[:2]
        leaves = _leaves(width, height)
        wind = 0.0
        if self.start_s <= seconds <= self.end_s:
            wind = math.sin(2 * math.pi * 0.6 * (seconds - self.start_s))
        shift = int(width * (0.5 + self.reach * wind))
        shade = leaves[:, shift : shift + width]
        top = height // 3
        frame[top:] = (frame[top:].astype(np.float32) * shade[top:, :, None]).astype(np.uint8)


@dataclass(frozen=True)
class Rain:
    """Rain from ``start_s`` to ``end_s``: streaks falling fast, new ones every frame."""

    start_s: float
    end_s: float
    drops: int = 400  # per 640×360

    def draw(self, frame: Image, seconds: float) -> None:
        if not self.start_s <= seconds <= self.end_s:
            return
        height, width = frame.shape[:2]
        rng = np.random.default_rng(int(seconds * 1000))
        count = self.drops * width * height // (640 * 360)
        xs = rng.integers(0, width, count)
        ys = rng.integers(0, height, count)
        length = max(3, height // 30)
        streaks = np.zeros((height, width), dtype=np.uint8)
        for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
            cv2.line(streaks, (x, y), (x - length // 4, y + length), 255, 1)
        light = streaks.astype(bool)
        frame[light] = (frame[light].astype(np.uint16) * 3 // 5 + 90).astype(np.uint8)


@dataclass(frozen=True)
class FrameTruth:
    """What is in one frame: each visible person's body box and each visible face's box."""

    people: tuple[Box, ...]
    faces: tuple[Box, ...]


@dataclass(frozen=True)
class Visit:
    """One person's time in view, from the first to the last frame they are visible in."""

    start_s: float
    end_s: float

    @property
    def seconds(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Scene:
    name: str
    positive: bool
    description: str
    width: int
    height: int
    fps: int
    duration_s: float
    actors: tuple[Actor, ...]
    seed: int = 0
    truth: tuple[FrameTruth, ...] = field(init=False, repr=False, compare=False)
    visits: tuple[Visit, ...] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        truth, visits = _truth(self)
        object.__setattr__(self, "truth", truth)
        object.__setattr__(self, "visits", visits)

    @property
    def frame_count(self) -> int:
        return int(round(self.duration_s * self.fps))

    def frames(self) -> Iterator[Image]:
        """Every frame, BGR, rendered as it is asked for."""
        base = background(self.width, self.height, self.seed)
        for index in range(self.frame_count):
            frame = base.copy()
            for actor in self.actors:
                actor.draw(frame, index / self.fps)
            yield frame

    def write(self, path: Path) -> Path:
        """The scene as an H.264 MP4 at ``path``."""
        write_h264(path, self.frames(), fps=self.fps)
        return path

    def video(self, folder: Path) -> Path:
        """The scene's MP4 in ``folder``, written the first time it is asked for."""
        path = folder / f"{self.name}-{self.width}x{self.height}-{self.fps}.mp4"
        if not path.exists():
            partial = path.with_suffix(".part.mp4")
            self.write(partial)
            partial.replace(path)
        return path


def _truth(scene: Scene) -> tuple[tuple[FrameTruth, ...], tuple[Visit, ...]]:
    w, h = scene.width, scene.height
    figures = [actor for actor in scene.actors if isinstance(actor, Person | Portrait)]
    frames: list[FrameTruth] = []
    seen: list[list[float]] = [[] for _ in figures]
    for index in range(scene.frame_count):
        seconds = index / scene.fps
        people, faces = [], []
        for number, figure in enumerate(figures):
            body = figure.body(seconds, w, h)
            if body is None or _inside(body, w, h) < 0.5:
                continue
            people.append(_box(body, w, h))
            seen[number].append(seconds)
            face = figure.face(seconds, w, h)
            if face is not None and _inside(face, w, h, area=True) >= 0.5:
                faces.append(_box(face, w, h))
        frames.append(FrameTruth(tuple(people), tuple(faces)))
    visits: list[Visit] = []
    step = 1.5 / scene.fps
    for times in seen:
        start = previous = None
        for seconds in times:
            if start is None or previous is None or seconds - previous > step:
                if start is not None and previous is not None:
                    visits.append(Visit(start, previous))
                start = seconds
            previous = seconds
        if start is not None and previous is not None:
            visits.append(Visit(start, previous))
    return tuple(frames), tuple(sorted(visits, key=lambda visit: visit.start_s))


def _inside(box: Pixels, width: int, height: int, *, area: bool = False) -> float:
    """The share of ``box``'s width (or area) that lies inside the frame."""
    x1, y1, x2, y2 = box
    across = max(0, min(x2, width) - max(x1, 0)) / max(1, x2 - x1)
    if not area:
        return across
    return across * max(0, min(y2, height) - max(y1, 0)) / max(1, y2 - y1)


def _box(pixels: Pixels, width: int, height: int) -> Box:
    x1, y1, x2, y2 = pixels
    return Box.from_pixels(max(0, x1), max(0, y1), min(width, x2), min(height, y2), width, height)


def _walk(
    start: float, end: float, *, left_to_right: bool, margin: float
) -> tuple[tuple[float, float], ...]:
    """Keys for a walk across the whole frame, from just off one side to just off the other."""
    a, b = -margin, 1 + margin
    return ((start, a), (end, b)) if left_to_right else ((start, b), (end, a))


@lru_cache(maxsize=8)
def evaluation_set(width: int = 640, height: int = 360, fps: int = 15) -> tuple[Scene, ...]:
    """The fourteen scenes, positives first, at ``width``×``height`` and ``fps``."""

    def scene(
        name: str, positive: bool, description: str, duration: float, *actors: Actor
    ) -> Scene:
        return Scene(name, positive, description, width, height, fps, duration, actors)

    park = (0.32, 0.32)
    parked = Thing(_car, ((0.0, park[0]), (60.0, park[1])), height=0.34, bottom_y=0.99)
    scenes = [
        scene(
            "walk-far",
            True,
            "a person a third of the frame tall, walking across slowly (8 s)",
            14.0,
            Person(_walk(3.0, 11.0, left_to_right=True, margin=0.1), height=0.3, feet_y=0.8),
        ),
        scene(
            "walk-mid",
            True,
            "a person half the frame tall, walking across (5 s)",
            11.0,
            Person(_walk(3.0, 8.0, left_to_right=False, margin=0.15), height=0.5, feet_y=0.88),
        ),
        scene(
            "walk-near",
            True,
            "a person three quarters of the frame tall, walking fast (3 s)",
            9.0,
            Person(_walk(3.0, 6.0, left_to_right=True, margin=0.2), height=0.75, feet_y=0.99),
        ),
        scene(
            "walk-away",
            True,
            "a person seen from behind, half the frame tall, walking across (5 s)",
            11.0,
            Person(
                _walk(3.0, 8.0, left_to_right=True, margin=0.15), height=0.5, feet_y=0.9, back=True
            ),
        ),
        scene(
            "two-crossing",
            True,
            "two people at different distances crossing each other",
            12.0,
            Person(_walk(3.0, 9.0, left_to_right=True, margin=0.15), height=0.45, feet_y=0.83),
            Person(_walk(3.5, 8.5, left_to_right=False, margin=0.2), height=0.65, feet_y=0.97),
        ),
        scene(
            "standing-at-door",
            True,
            "a person walks up to the door, stands there 5 s, walks away",
            14.0,
            Person(
                ((3.0, -0.15), (5.0, 0.55), (10.0, 0.55), (12.0, -0.15)),
                height=0.7,
                feet_y=0.97,
                sway=0.01,
            ),
        ),
        scene(
            "close-up",
            True,
            "a head and shoulders filling the frame at the door for 6 s",
            13.0,
            Portrait(((3.0, 1.4), (4.0, 0.55), (10.0, 0.5), (11.0, 1.4))),
        ),
        scene(
            "behind-car",
            True,
            "a person walking behind a parked car that hides their legs",
            12.0,
            Person(_walk(3.0, 9.0, left_to_right=True, margin=0.15), height=0.55, feet_y=0.9),
            parked,
        ),
        scene(
            "cat",
            False,
            "a cat (a photographed head) trotting across the pavement",
            11.0,
            Thing(_cat, ((3.0, -0.3), (8.0, 1.05)), height=0.22, bottom_y=0.97, trot=0.04),
        ),
        scene(
            "dog",
            False,
            "a dog trotting across the pavement",
            10.0,
            Thing(
                _dog, ((3.0, 1.05), (7.0, -0.35)), height=0.3, bottom_y=0.98, flip=True, trot=0.04
            ),
        ),
        scene(
            "passing-car",
            False,
            "a car driving past in two seconds",
            9.0,
            Thing(_car, ((3.0, -0.65), (5.0, 1.05)), height=0.34, bottom_y=0.99),
        ),
        scene(
            "lighting",
            False,
            "the light changes: a cloud, then the porch light",
            10.0,
            Lighting(((3.0, 0.6), (6.0, 1.4))),
        ),
        scene(
            "tree-shadows",
            False,
            "leaf shadows swaying over the house and the pavement",
            10.0,
            TreeShadows(3.0, 8.0),
        ),
        scene("rain", False, "rain falling", 10.0, Rain(3.0, 8.0)),
    ]
    return tuple(scenes)
