"""Motion: nothing in a still scene, a box around a walker, lighting changes ignored."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from doorstep.edge.config import MotionConfig
from doorstep.edge.geometry import Box
from doorstep.edge.motion.detector import SETTLE_FRAMES, MotionDetector, merge_boxes
from doorstep.edge.synthetic import Walker, background, person_sprite, render

WIDTH, HEIGHT, FPS = 640, 360, 10


def grey(frame: NDArray[np.uint8], width: int = 160) -> NDArray[np.uint8]:
    """What the pipeline hands motion: the frame scaled to ``MotionConfig.width``, in grey."""
    height = round(frame.shape[0] * width / frame.shape[1])
    small = cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)
    return np.asarray(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), dtype=np.uint8)


def noisy(frame: NDArray[np.uint8], rng: np.random.Generator) -> NDArray[np.uint8]:
    """Sensor noise of a few grey levels, different in every frame."""
    noise = rng.integers(-4, 5, size=frame.shape)
    return np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def test_a_static_scene_gives_no_boxes_after_warm_up() -> None:
    motion = MotionDetector(MotionConfig())
    rng = np.random.default_rng(1)
    base = background(WIDTH, HEIGHT)

    results = [motion.update(grey(noisy(base, rng))) for _ in range(50)]

    assert all(boxes == [] for boxes in results)
    assert motion.changed_fraction < 0.001


def figure_box(walker: Walker, seconds: float) -> Box | None:
    """The tight box around the drawn figure (its sprite has some empty margin)."""
    box = walker.box_at(seconds, WIDTH, HEIGHT)
    if box is None or box[0] < 0 or box[2] > WIDTH:
        return None
    x1, y1, x2, y2 = box
    _, mask = person_sprite(y2 - y1, round(walker.stride_at(seconds), 2))
    rows, columns = np.nonzero(mask)
    return Box.from_pixels(
        x1 + columns.min(),
        y1 + rows.min(),
        x1 + columns.max() + 1,
        y1 + rows.max() + 1,
        WIDTH,
        HEIGHT,
    )


def test_a_walker_gets_one_box_around_it() -> None:
    motion = MotionDetector(MotionConfig())
    walker = Walker(enter_s=1.0, exit_s=6.0)
    base = background(WIDTH, HEIGHT)
    overlaps = []
    for index in range(int(7 * FPS)):
        seconds = index / FPS
        boxes = motion.update(grey(render(seconds, base, [walker])))
        truth = figure_box(walker, seconds)
        if truth is None:
            continue  # off screen, or partly: judge only whole views
        assert len(boxes) == 1, seconds
        overlaps.append(boxes[0].iou(truth))

    assert len(overlaps) > 25
    # At 160 px a pixel is 2.5% of the figure's width, and the spot it just left is
    # still settling into the background: a few frames overlap a little less.
    assert min(overlaps) > 0.7
    assert sum(overlaps) / len(overlaps) > 0.8
    assert motion.update(grey(base)) == []  # gone again, and no ghost left behind


def test_a_global_brightness_change_recalibrates_instead_of_reporting_motion() -> None:
    config = MotionConfig()
    motion = MotionDetector(config)
    base = background(WIDTH, HEIGHT)
    for _ in range(10):
        motion.update(grey(base))

    brighter = render(0.0, base, [], brightness=1.6)
    assert motion.update(grey(brighter)) == []
    assert motion.changed_fraction > config.lighting_change
    after = [motion.update(grey(brighter)) for _ in range(30)]

    assert all(boxes == [] for boxes in after)
    assert motion.changed_fraction < 0.001  # the background is the bright scene now
    # Recalibrated, not blinded: a person walking into the bright scene is seen.
    walker = Walker(enter_s=0.0, exit_s=4.0)
    boxes = motion.update(grey(render(2.0, base, [walker], brightness=1.6)))
    assert len(boxes) == 1


def test_motion_stays_quiet_while_the_exposure_settles_then_comes_back() -> None:
    motion = MotionDetector(MotionConfig())
    base = background(WIDTH, HEIGHT)
    walker = Walker(enter_s=0.0, exit_s=4.0)
    motion.update(grey(render(1.0, base, [walker])))
    # The light comes on while the walker keeps walking; the exposure ramps up.
    steps = [1.6, 1.7, 1.8] + [1.8] * (SETTLE_FRAMES + 2)

    results = [
        motion.update(grey(render(1.1 + index * 0.1, base, [walker], brightness=factor)))
        for index, factor in enumerate(steps)
    ]

    assert results[:SETTLE_FRAMES] == [[]] * SETTLE_FRAMES
    assert all(len(boxes) == 1 for boxes in results[SETTLE_FRAMES:])


def test_small_specks_below_min_area_are_ignored_and_a_big_one_is_not() -> None:
    config = MotionConfig(min_area=0.002)
    motion = MotionDetector(config)
    still = np.full((90, 160), 100, dtype=np.uint8)
    motion.update(still)
    specks = still.copy()
    for x, y in [(20, 20), (60, 70), (120, 30), (140, 80)]:
        specks[y : y + 3, x : x + 3] = 255  # 9 px each; min_area is 0.002 × 14400 = 29 px

    assert motion.update(specks) == []
    assert motion.changed_fraction > 0  # seen, then dropped for being small
    blob = still.copy()
    blob[30:42, 70:80] = 255  # 120 px

    (box,) = motion.update(blob)
    assert box.iou(Box.from_pixels(70, 30, 80, 42, 160, 90)) > 0.5


@pytest.mark.parametrize(
    ("boxes", "expected"),
    [
        ([Box(0.1, 0.1, 0.2, 0.2), Box(0.21, 0.1, 0.3, 0.2)], [Box(0.1, 0.1, 0.3, 0.2)]),
        (
            [Box(0.1, 0.1, 0.2, 0.2), Box(0.5, 0.5, 0.6, 0.6)],
            [Box(0.1, 0.1, 0.2, 0.2), Box(0.5, 0.5, 0.6, 0.6)],
        ),
        (
            [Box(0.1, 0.1, 0.2, 0.2), Box(0.3, 0.1, 0.4, 0.2), Box(0.19, 0.15, 0.31, 0.16)],
            [Box(0.1, 0.1, 0.4, 0.2)],
        ),
    ],
)
def test_nearby_boxes_merge_into_one_region(boxes: list[Box], expected: list[Box]) -> None:
    assert merge_boxes(boxes, gap=0.02) == expected
