"""Clips cut by stream copy from the packet buffer, checked on real generated H.264."""

from __future__ import annotations

import hashlib
import itertools
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import av
import av.stream
import numpy as np
import pytest

from doorstep.edge.media import Captured
from doorstep.edge.record import SegmentBuffer, cut_clip
from doorstep.edge.synthetic import Walker, scene, write_h264
from doorstep.errors import InvalidInput, StorageError

FPS = 15
FRAME_S = 1 / FPS
GOP_S = 1.0


def write_street(path: Path, *, seconds: float = 20.0) -> Path:
    """320x180, 15 fps, a keyframe every second, a person walking from 4 s to 9 s."""
    frames = scene(width=320, height=180, fps=FPS, duration_s=seconds, walkers=[Walker(4, 9)])
    write_h264(path, frames, fps=FPS, gop_s=GOP_S)
    return path


def write_street_with_audio(path: Path, *, seconds: float = 8.0) -> Path:
    """Like :func:`write_street` with B-frames (as most cameras send) and an AAC track."""
    with av.open(str(path), mode="w") as container:
        video = container.add_stream("libx264", rate=Fraction(FPS))
        video.width, video.height, video.pix_fmt = 320, 180, "yuv420p"
        video.codec_context.gop_size = FPS
        video.codec_context.options = {"preset": "veryfast", "bf": "2"}
        audio = container.add_stream("aac", rate=16000)
        audio.layout = "mono"
        samples = 0
        tone = np.sin(np.arange(1024, dtype=np.float32) / 5).reshape(1, -1) * 0.2
        frames = scene(width=320, height=180, fps=FPS, duration_s=seconds, walkers=[Walker(1, 6)])
        for index, image in enumerate(frames):
            container.mux(video.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
            while samples < (index + 1) * 16000 // FPS:
                sound = av.AudioFrame.from_ndarray(tone, format="fltp", layout="mono")
                sound.sample_rate, sound.pts = 16000, samples
                container.mux(audio.encode(sound))
                samples += 1024
        container.mux(video.encode(None))
        container.mux(audio.encode(None))
    return path


def captured(path: Path, *, offset_s: float = 0.0) -> Iterator[Captured]:
    """What capture yields for ``path``, timestamps moved on by ``offset_s`` (a file loop).

    The container stays open only while the caller iterates, as capture's does: the
    buffer must not need it afterwards.
    """
    with av.open(str(path)) as container:
        streams = [container.streams.video[0], *container.streams.audio[:1]]
        for packet in container.demux(*streams):
            if packet.size == 0 or packet.pts is None or packet.dts is None:
                continue
            shift = round(offset_s / packet.time_base)
            packet.pts, packet.dts = packet.pts + shift, packet.dts + shift
            kind = "video" if packet.stream.type == "video" else "audio"
            seconds = float(packet.pts * packet.time_base)
            yield Captured(kind, packet, packet.stream, seconds, datetime.now(UTC))


def filled(path: Path, buffer: SegmentBuffer) -> list[tuple[str, float, bytes]]:
    """Feed ``path`` into ``buffer``; the source packets as (kind, seconds, bytes)."""
    source = []
    for item in captured(path):
        buffer.append(item)
        source.append((item.kind, item.seconds, bytes(item.packet)))
    return source


def top_level_boxes(path: Path) -> list[str]:
    data = path.read_bytes()
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        boxes.append(data[offset + 4 : offset + 8].decode("latin-1"))
        if size == 1:
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        assert size >= 8, f"bad box size at {offset}"
        offset += size
    return boxes


def demuxed(path: Path, kind: str) -> list[av.Packet[av.stream.Stream]]:
    with av.open(str(path)) as container:
        streams = container.streams.video if kind == "video" else container.streams.audio
        return [p for p in container.demux(*streams) if p.size]


@pytest.fixture(scope="module")
def street(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_street(tmp_path_factory.mktemp("record") / "street.mp4")


@pytest.fixture(scope="module")
def street_with_audio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_street_with_audio(tmp_path_factory.mktemp("record") / "audio.mp4")


@pytest.mark.parametrize(
    ("start_s", "end_s", "expected_start_s"),
    [(-1.0, 14.0, 0.0), (4.0 - 2.5, 9.0 + 3.0, 1.0), (6.5, 6.6, 6.0)],
)
def test_clip_is_the_cameras_own_bytes_from_a_keyframe(
    street: Path, tmp_path: Path, start_s: float, end_s: float, expected_start_s: float
) -> None:
    buffer = SegmentBuffer(keep_s=30)
    source = filled(street, buffer)
    info = cut_clip(buffer, start_s, end_s, tmp_path / "clip.mp4")

    assert info.start_s == pytest.approx(expected_start_s)
    assert end_s <= info.end_s <= end_s + 2 * FRAME_S
    assert info.duration_s == pytest.approx(end_s - max(start_s, 0.0), abs=GOP_S + FRAME_S)
    assert not info.has_audio
    data = info.path.read_bytes()
    assert (info.size_bytes, info.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    boxes = top_level_boxes(info.path)
    # Fragmented: the init segment, then one fragment per GOP, for a browser's MediaSource.
    assert boxes[:2] == ["ftyp", "moov"] and boxes[2] == "moof", boxes
    assert boxes.count("moof") == boxes.count("mdat") >= 1

    packets = demuxed(info.path, "video")
    expected = [d for _, s, d in source if info.start_s - 1e-6 <= s <= end_s + 1e-6]
    assert [bytes(p) for p in packets] == expected, "stream copy: no re-encode"
    assert packets[0].is_keyframe
    assert (packets[0].pts, packets[0].dts) == (0, 0)
    seconds = [float(p.pts * p.time_base) for p in packets if p.pts is not None]
    offsets = [s - info.start_s for _, s, _ in source if s >= info.start_s - 1e-6]
    assert seconds == pytest.approx(offsets[: len(seconds)])
    with av.open(str(info.path)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert sum(1 for _ in container.decode(video=0)) == len(packets)


def test_b_frames_and_audio_are_copied(street_with_audio: Path, tmp_path: Path) -> None:
    buffer = SegmentBuffer(keep_s=30)
    source = filled(street_with_audio, buffer)
    info = cut_clip(buffer, 2.5, 5.0, tmp_path / "clip.mp4")

    assert info.has_audio and info.start_s == pytest.approx(2.0)
    sound = [d for kind, s, d in source if kind == "audio" and info.start_s <= s < info.end_s]
    assert [bytes(p) for p in demuxed(info.path, "audio")] == sound
    video = [bytes(p) for p in demuxed(info.path, "video")]
    assert video == [d for kind, _, d in source if kind == "video"][2 * FPS : 2 * FPS + len(video)]
    with av.open(str(info.path)) as container:
        frames = [f.pts * f.time_base for f in container.decode(video=0) if f.pts is not None]
        assert len(frames) == len(video) and min(frames) == 0
    audio_pts = [p.pts for p in demuxed(info.path, "audio") if p.pts is not None]
    assert 0 <= min(audio_pts) < 1024, "audio starts with the video"

    silent = cut_clip(buffer, 2.5, 5.0, tmp_path / "silent.mp4", audio=False)
    assert not silent.has_audio
    with av.open(str(silent.path)) as container:
        assert not container.streams.audio


def test_clip_runs_across_a_reopened_source(street: Path, tmp_path: Path) -> None:
    """Capture reopens a looping file: the old container is closed, the clip goes on."""
    buffer = SegmentBuffer(keep_s=60)
    for offset in (0.0, 20.0):
        for item in captured(street, offset_s=offset):
            buffer.append(item)
    info = cut_clip(buffer, 18.0, 22.0, tmp_path / "clip.mp4")

    assert info.start_s == pytest.approx(18.0)
    assert info.end_s == pytest.approx(22.0 + FRAME_S)
    with av.open(str(info.path)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 4 * FPS + 1


def test_a_timeline_stepping_back_drops_packets_not_the_clip(
    street_with_audio: Path, tmp_path: Path
) -> None:
    """The second pass's first audio packet (encoder priming, pts < 0) lands on the first
    pass's last: the muxer would refuse the repeated timestamp and lose the whole clip."""
    buffer = SegmentBuffer(keep_s=60)
    for offset in (0.0, 8.0):
        for item in captured(street_with_audio, offset_s=offset):
            buffer.append(item)
    info = cut_clip(buffer, 6.0, 10.0, tmp_path / "clip.mp4")

    assert info.has_audio
    audio_dts = [p.dts for p in demuxed(info.path, "audio")]
    assert all(a is not None and b is not None and a < b for a, b in itertools.pairwise(audio_dts))
    with av.open(str(info.path)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == pytest.approx(info.duration_s * FPS, abs=1)


def test_old_packets_are_evicted_whole_gops_at_a_time(street: Path) -> None:
    buffer = SegmentBuffer(keep_s=5)
    filled(street, buffer)

    # 19.93 s is the newest, so 14.93 s must stay: from the keyframe at 14 s.
    assert buffer.start_s == pytest.approx(14.0)
    assert len(buffer) == 6 * FPS


def test_a_pin_keeps_an_events_start_until_unpinned(street: Path, tmp_path: Path) -> None:
    buffer = SegmentBuffer(keep_s=5)
    pin = None
    for item in captured(street):
        buffer.append(item)
        if pin is None and item.seconds >= 4:
            pin = buffer.pin(3.5)
    assert pin is not None
    assert buffer.start_s == pytest.approx(3.0)
    assert cut_clip(buffer, 3.5, 19.0, tmp_path / "long.mp4").start_s == pytest.approx(3.0)

    buffer.unpin(pin)
    assert buffer.start_s == pytest.approx(14.0)


def test_a_byte_cap_bounds_memory_even_when_pinned(
    street: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cap = street.stat().st_size // 4
    buffer = SegmentBuffer(keep_s=30, max_bytes=cap)
    buffer.pin(0.0)
    with caplog.at_level(logging.WARNING, logger="doorstep.edge.record"):
        filled(street, buffer)

    assert 0 < buffer.size_bytes <= cap
    assert buffer.start_s is not None and buffer.start_s > 10
    assert len(caplog.records) == 1, "warned once, not on every packet"

    tiny = SegmentBuffer(keep_s=30, max_bytes=1000)  # smaller than one GOP
    filled(street, tiny)
    assert tiny.size_bytes <= 1000


def test_nothing_buffered_is_invalid_input(street: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        cut_clip(SegmentBuffer(keep_s=5), 0.0, 10.0, tmp_path / "clip.mp4")
    buffer = SegmentBuffer(keep_s=5)
    filled(street, buffer)
    with pytest.raises(InvalidInput):
        cut_clip(buffer, 2.0, 8.0, tmp_path / "clip.mp4")  # long evicted
    with pytest.raises(InvalidInput):
        cut_clip(buffer, 18.0, 16.0, tmp_path / "clip.mp4")
    assert list(tmp_path.iterdir()) == []


def test_packets_without_timestamps_are_not_kept(street: Path) -> None:
    buffer = SegmentBuffer(keep_s=30)
    for item in itertools.islice(captured(street), 3):
        item.packet.pts = item.packet.dts = None
        buffer.append(item)
    assert len(buffer) == 0 and buffer.start_s is None


def test_writing_is_atomic(street: Path, tmp_path: Path) -> None:
    buffer = SegmentBuffer(keep_s=30)
    filled(street, buffer)

    with pytest.raises(StorageError):
        cut_clip(buffer, 0.0, 5.0, tmp_path / "missing" / "clip.mp4")
    blocked = tmp_path / "blocked.mp4"
    blocked.mkdir()  # the rename onto a directory fails after muxing
    with pytest.raises(StorageError):
        cut_clip(buffer, 0.0, 5.0, blocked)
    assert [p.name for p in tmp_path.iterdir()] == ["blocked.mp4"]
    assert list(blocked.iterdir()) == []

    cut_clip(buffer, 0.0, 5.0, tmp_path / "clip.mp4")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocked.mp4", "clip.mp4"]
