"""Privacy zones are black in re-encoded clips and snapshots, on real generated H.264."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from doorstep.edge.geometry import Polygon, polygon_mask
from doorstep.edge.record import SegmentBuffer
from doorstep.edge.redact import mask_frame, reencode_clip, snapshot_jpeg
from doorstep.edge.synthetic import Walker, background, render
from doorstep.errors import InvalidInput
from tests.edge.test_record import (
    FPS,
    filled,
    top_level_boxes,
    write_street,
    write_street_with_audio,
)

# The left half above the pavement: the house, and the person walking through it.
ZONE: Polygon = ((0.0, 0.0), (0.5, 0.0), (0.5, 0.8), (0.0, 0.8))
WIDTH, HEIGHT = 320, 180


def inside_and_outside(width: int, height: int) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Pixels well inside and well outside the zone: lossy coding blurs its edge a little."""
    mask = polygon_mask([ZONE], width, height).astype(np.uint8)
    kernel = np.ones((7, 7), np.uint8)
    inside = cv2.erode(mask, kernel).astype(bool)
    outside = ~cv2.dilate(mask, kernel).astype(bool)
    return inside, outside


@pytest.fixture(scope="module")
def street_buffer(tmp_path_factory: pytest.TempPathFactory) -> SegmentBuffer:
    buffer = SegmentBuffer(keep_s=30)
    filled(write_street(tmp_path_factory.mktemp("redact") / "street.mp4"), buffer)
    return buffer


def test_the_zone_is_black_in_every_frame_of_the_clip(
    street_buffer: SegmentBuffer, tmp_path: Path
) -> None:
    before = street_buffer.span(0, 20)
    info = reencode_clip(street_buffer, 4.0 - 2.5, 9.0 + 3.0, tmp_path / "clip.mp4", [ZONE])

    assert info.start_s == pytest.approx(1.0) and info.end_s >= 12.0
    assert not info.has_audio
    boxes = top_level_boxes(info.path)
    assert boxes.index("moov") < boxes.index("mdat")
    inside, outside = inside_and_outside(WIDTH, HEIGHT)
    with av.open(str(info.path)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("h264", "yuv420p")
        frames = list(container.decode(stream))
    assert len(frames) == pytest.approx((info.end_s - info.start_s) * FPS, abs=1)
    assert frames[0].pts == 0
    for frame in frames:
        image = frame.to_ndarray(format="bgr24")
        assert image[inside].max() <= 8, f"zone visible at {frame.time}"
        assert image[outside].mean() > 60

    after = street_buffer.span(0, 20)
    assert [p.data for p in after.video] == [p.data for p in before.video], "buffer untouched"


def test_audio_is_copied_or_dropped(tmp_path: Path) -> None:
    buffer = SegmentBuffer(keep_s=30)
    filled(write_street_with_audio(tmp_path / "audio.mp4"), buffer)

    kept = reencode_clip(buffer, 2.5, 5.0, tmp_path / "kept.mp4", [ZONE])
    dropped = reencode_clip(buffer, 2.5, 5.0, tmp_path / "dropped.mp4", [ZONE], audio=False)

    assert kept.has_audio and not dropped.has_audio
    with av.open(str(kept.path)) as container:
        assert container.streams.audio[0].codec_context.name == "aac"
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == pytest.approx(kept.duration_s * FPS, abs=1)
    with av.open(str(dropped.path)) as container:
        assert not container.streams.audio


def test_nothing_buffered_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        reencode_clip(SegmentBuffer(keep_s=5), 0, 5, tmp_path / "clip.mp4", [ZONE])
    assert list(tmp_path.iterdir()) == []


def test_mask_frame_leaves_its_input_alone() -> None:
    image = render(5.0, background(WIDTH, HEIGHT), [Walker(4, 9)])
    original = image.copy()
    inside, outside = inside_and_outside(WIDTH, HEIGHT)

    masked = mask_frame(image, [ZONE])
    assert masked[inside].max() == 0 and masked[outside].min() > 0
    assert np.array_equal(image, original)
    assert mask_frame(image, []) is image
    grey = mask_frame(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), [ZONE])
    assert grey.shape == (HEIGHT, WIDTH) and grey[inside].max() == 0


@pytest.mark.parametrize("as_frame", [False, True])
def test_snapshot_is_masked_before_compression(as_frame: bool) -> None:
    image = render(5.0, background(WIDTH, HEIGHT), [Walker(4, 9)])
    original = image.copy()
    source = av.VideoFrame.from_ndarray(image, format="bgr24") if as_frame else image

    jpeg = snapshot_jpeg(source, [ZONE], quality=90)
    decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    inside, outside = inside_and_outside(WIDTH, HEIGHT)
    assert decoded.shape == (HEIGHT, WIDTH, 3)
    assert decoded[inside].max() <= 8
    assert decoded[outside].mean() > 60
    assert np.array_equal(image, original)
    with pytest.raises(InvalidInput):
        snapshot_jpeg(image, [ZONE], quality=0)
