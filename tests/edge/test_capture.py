"""Capture from real media: generated H.264 files and a real RTSP server (``test_rtsp_*``)."""

from __future__ import annotations

import itertools
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from av.video.stream import VideoStream

from doorstep.edge import config
from doorstep.edge.capture import capture, exponential_backoff, redact_url
from doorstep.edge.config import CameraConfig, FileSource, RtspSource, Source, SyntheticSource
from doorstep.edge.media import CameraHealth, Captured
from doorstep.errors import ConfigurationError, InvalidInput
from tests.edge.conftest import RtspCamera, free_port


def camera(source: Source, *, audio: bool = False) -> CameraConfig:
    return CameraConfig(id=uuid.uuid4(), name="porch", source=source, audio=audio)


def run(
    source: Source,
    data_dir: Path,
    *,
    audio: bool = False,
    stop: threading.Event | None = None,
    health: CameraHealth | None = None,
    max_attempts: int | None = None,
    backoff_s: float = 0.05,
) -> Iterator[Captured]:
    return capture(
        camera(source, audio=audio),
        stop=stop or threading.Event(),
        health=health or CameraHealth(),
        data_dir=data_dir,
        backoff=lambda attempt: backoff_s,
        max_attempts=max_attempts,
    )


def fast(path: Path, *, loop: bool = False) -> FileSource:
    return FileSource(path=path, loop=loop, realtime=False)


def test_a_file_yields_each_packet_with_the_frames_it_decoded(
    two_second_video: Path, tmp_path: Path
) -> None:
    health = CameraHealth()
    captured = list(run(fast(two_second_video), tmp_path, health=health))

    assert len(captured) == 20
    assert {item.kind for item in captured} == {"video"}
    assert sum(len(item.frames) for item in captured) == 20
    assert {(f.width, f.height) for item in captured for f in item.frames} == {(320, 180)}
    assert captured[0].packet.is_keyframe
    assert captured[0].seconds == 0
    assert captured[-1].seconds == pytest.approx(1.9)
    assert health.fps > 0
    assert health.last_frame_at is not None
    assert (health.errors, health.reconnects, health.connected) == (0, 0, False)


def test_loops_keep_seconds_and_timestamps_increasing(
    two_second_video: Path, tmp_path: Path
) -> None:
    stop = threading.Event()
    captured = list(itertools.islice(run(fast(two_second_video, loop=True), tmp_path), 60))
    stop.set()

    seconds = [item.seconds for item in captured]
    assert seconds == sorted(set(seconds))
    assert seconds[-1] == pytest.approx(5.9)
    dts = [item.packet.dts for item in captured]
    assert all(a is not None and b is not None and a < b for a, b in itertools.pairwise(dts))
    for item in captured:
        # seconds is the rebased timestamp, and the frames decoded carry it too.
        assert item.packet.pts is not None
        assert float(item.packet.pts * item.packet.time_base) == pytest.approx(item.seconds)
        assert [frame.pts for frame in item.frames] == [item.packet.pts]
    assert sum(len(item.frames) for item in captured) == 60
    # The first loop's streams are still usable: the recorder copies from them.
    assert isinstance(captured[0].stream, VideoStream)
    assert captured[0].stream.codec_context.width == 320
    assert captured[0].packet.stream.time_base == captured[-1].stream.time_base


def test_realtime_paces_frames_at_their_timestamps(two_second_video: Path, tmp_path: Path) -> None:
    started = time.monotonic()
    paced = list(run(FileSource(path=two_second_video), tmp_path))
    paced_s = time.monotonic() - started
    started = time.monotonic()
    unpaced = list(run(fast(two_second_video), tmp_path))
    unpaced_s = time.monotonic() - started

    assert len(paced) == len(unpaced) == 20
    assert 1.8 <= paced_s < 4
    assert unpaced_s < 0.5


def test_stop_ends_iteration_while_pacing(two_second_video: Path, tmp_path: Path) -> None:
    stop = threading.Event()
    items = run(FileSource(path=two_second_video, loop=True), tmp_path, stop=stop)
    next(items)
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    remaining = list(items)

    assert time.monotonic() - started < 0.6
    assert len(remaining) < 6


def test_stop_ends_iteration_while_waiting_to_reconnect(tmp_path: Path) -> None:
    stop, health = threading.Event(), CameraHealth()
    source = RtspSource(url=f"rtsp://127.0.0.1:{free_port()}/cam", timeout_s=2)
    items = run(source, tmp_path, stop=stop, health=health, backoff_s=60)
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()

    assert list(items) == []
    assert time.monotonic() - started < 2
    assert health.errors == 1
    assert health.last_error
    assert not health.connected


def test_loops_of_a_file_with_b_frames_keep_decode_timestamps_increasing(
    video_with_audio: Path, tmp_path: Path
) -> None:
    captured = list(itertools.islice(run(fast(video_with_audio, loop=True), tmp_path), 33))

    packets = [item for item in captured if item.packet.size]
    assert len(packets) == 30
    dts = [item.packet.dts for item in packets]
    assert all(a is not None and b is not None and a < b for a, b in itertools.pairwise(dts))
    for item in packets:
        assert item.packet.pts is not None
        assert float(item.packet.pts * item.packet.time_base) == pytest.approx(item.seconds)
    frame_pts = [frame.pts for item in captured for frame in item.frames if frame.pts is not None]
    assert len(frame_pts) == 30
    assert frame_pts == sorted(set(frame_pts))  # presentation order, no repeats


def test_audio_is_dropped_unless_the_camera_keeps_it(
    video_with_audio: Path, tmp_path: Path
) -> None:
    video = video_with_audio

    without = list(run(fast(video), tmp_path))
    kept = list(run(fast(video), tmp_path, audio=True))

    assert {item.kind for item in without} == {"video"}
    audio = [item for item in kept if item.kind == "audio"]
    assert audio
    assert all(item.frames == [] for item in audio)
    assert all(item.stream.type == "audio" for item in audio)
    assert sum(len(item.frames) for item in kept) == sum(len(i.frames) for i in without) == 10
    # This file has B-frames: the decoder hands its last frames over at the end of the
    # file, with the demuxer's empty end-of-stream packet.
    assert len([item for item in without if item.packet.size]) == 10
    assert without[-1].packet.size == 0
    assert without[-1].packet.pts is None
    assert len(without[-1].frames) == 2


@pytest.mark.parametrize("damage", ["random bytes", "truncated", "missing"])
def test_a_file_that_cannot_be_read_is_a_clear_error(
    damage: str, two_second_video: Path, tmp_path: Path
) -> None:
    path = tmp_path / "porch.mp4"
    if damage == "random bytes":
        path.write_bytes(os.urandom(20_000))
    elif damage == "truncated":
        data = two_second_video.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    health = CameraHealth()

    with pytest.raises(InvalidInput, match=f"video file {path}") as raised:
        list(run(FileSource(path=path, loop=True, realtime=False), tmp_path, health=health))

    assert "\n" not in raised.value.detail
    assert health.errors == 1
    assert health.last_error == raised.value.detail


def test_a_synthetic_scene_is_generated_once_and_reused(tmp_path: Path) -> None:
    source = SyntheticSource(people=1, width=160, height=120, fps=5, period_s=10)

    first = list(itertools.islice(run(source, tmp_path), 3))
    (generated,) = (tmp_path / "synthetic").iterdir()
    stat = generated.stat()
    second = list(itertools.islice(run(source, tmp_path), 3))

    assert [item.seconds for item in first] == [item.seconds for item in second] == [0, 0.2, 0.4]
    assert all(len(item.frames) == 1 for item in first + second)
    assert list((tmp_path / "synthetic").iterdir()) == [generated]
    assert (generated.stat().st_ino, generated.stat().st_mtime_ns) == (
        stat.st_ino,
        stat.st_mtime_ns,
    )
    assert generated.suffix == ".mp4"


def test_a_missing_v4l2_device_fails_fast_when_asked(tmp_path: Path) -> None:
    source = config.V4l2Source(device=tmp_path / "video9", width=640, height=480, fps=15)

    with pytest.raises(ConfigurationError, match=f"{tmp_path / 'video9'}.*tried 2 times"):
        list(run(source, tmp_path, max_attempts=2))


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("rtsp://admin:hunter2@10.0.0.5:554/live", "rtsp://admin:***@10.0.0.5:554/live"),
        ("rtsps://admin:p@ss:w@rd@cam.lan/stream", "rtsps://admin:***@cam.lan/stream"),
        ("rtsp://admin@cam.lan/stream", "rtsp://admin@cam.lan/stream"),
        ("rtsp://cam.lan/live", "rtsp://cam.lan/live"),
        (
            "rtsp://cam.lan/cam/realmonitor?channel=1&user=admin&password=hunter2",
            "rtsp://cam.lan/cam/realmonitor?channel=1&user=admin&password=***",
        ),
        ("rtsp://[bad/live", "***"),
    ],
)
def test_redact_url_hides_passwords(url: str, redacted: str) -> None:
    assert redact_url(url) == redacted


def test_backoff_doubles_from_half_a_second_to_thirty_with_jitter() -> None:
    assert all(0.25 <= exponential_backoff(1) <= 0.5 for _ in range(50))
    assert all(0.5 <= exponential_backoff(2) <= 1.0 for _ in range(50))
    assert all(15 <= exponential_backoff(attempt) <= 30 for attempt in (7, 30, 10_000))


# RTSP, from a real server (tests/edge/rtsp_server.py, Debian's GStreamer RTSP server).


def test_rtsp_capture_receives_frames(rtsp_camera: RtspCamera, tmp_path: Path) -> None:
    health = CameraHealth()
    items = run(RtspSource(url=rtsp_camera.url, timeout_s=5), tmp_path, health=health)
    frames = list(itertools.islice((f for item in items for f in item.frames), 40))

    assert health.connected
    assert frames[-1].width == 320
    assert health.errors == 0
    # The test camera sends each frame as several slices (libx264 zerolatency), in several
    # packets: decoded one by one they gave half-grey frames at every keyframe.
    greys = [frame.to_ndarray(format="gray").astype(int) for frame in frames]
    changes = [float(np.mean(np.abs(a - b) > 25)) for a, b in itertools.pairwise(greys)]
    assert max(changes) < 0.2, changes


def test_rtsp_capture_reconnects_after_the_stream_drops(
    rtsp_camera: RtspCamera, tmp_path: Path
) -> None:
    stop, health = threading.Event(), CameraHealth()
    items = run(RtspSource(url=rtsp_camera.url, timeout_s=5), tmp_path, stop=stop, health=health)
    before: list[Captured] = []
    after: list[Captured] = []
    for item in items:
        (after if health.reconnects else before).append(item)
        if len(before) == 10 and rtsp_camera.process is not None:
            rtsp_camera.kill()
            rtsp_camera.start()
        if sum(len(item.frames) for item in after) == 10:
            stop.set()

    assert health.reconnects == 1
    assert health.errors >= 1
    assert health.last_error
    assert sum(len(item.frames) for item in after) == 10
    seconds = [item.seconds for item in before + after]
    assert seconds == sorted(seconds)
    assert after[-1].seconds > before[-1].seconds
    # Non-decreasing only: the server's parser can cut a frame in two when it dies.
    dts_before = [item.packet.dts for item in before if item.packet.dts is not None]
    dts_after = [item.packet.dts for item in after if item.packet.dts is not None]
    assert dts_before == sorted(dts_before)
    assert dts_after == sorted(dts_after)
    assert min(dts_after) > max(dts_before)


def test_rtsp_unreachable_fails_fast_without_the_password(tmp_path: Path) -> None:
    url = f"rtsp://admin:hunter2@127.0.0.1:{free_port()}/cam"
    health = CameraHealth()
    started = time.monotonic()

    with pytest.raises(ConfigurationError, match="tried 3 times") as raised:
        list(run(RtspSource(url=url, timeout_s=2), tmp_path, health=health, max_attempts=3))

    assert time.monotonic() - started < 3
    assert "rtsp://admin:***@127.0.0.1" in raised.value.detail
    assert "hunter2" not in raised.value.detail
    assert health.errors == 3
    assert health.last_error is not None
    assert "hunter2" not in health.last_error
