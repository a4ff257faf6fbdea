"""Edge fixtures: short generated H.264 files and a real RTSP camera."""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from doorstep.edge.synthetic import background, random_walkers, scene, write_h264
from tests.cli.processes import free_port

SYSTEM_PYTHON = "/usr/bin/python3"
RTSP_SERVER = Path(__file__).with_name("rtsp_server.py")
GSTREAMER_PACKAGES = (
    "python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base "
    "gstreamer1.0-plugins-good gstreamer1.0-plugins-bad"
)


def write_scene(path: Path, *, seconds: float, fps: int = 10) -> Path:
    """A small H.264 file (320x180) with one person walking through."""
    frames = scene(
        width=320,
        height=180,
        fps=fps,
        duration_s=seconds,
        walkers=random_walkers(1, seconds, seed=1),
    )
    write_h264(path, frames, fps=fps)
    return path


def write_scene_with_audio(path: Path, *, seconds: float, fps: int = 10) -> Path:
    """Like :func:`write_scene`, with an AAC track of a quiet tone beside the video."""
    rate = 48_000
    with av.open(str(path), mode="w") as container:
        video = container.add_stream("libx264", rate=Fraction(fps))
        video.width, video.height, video.pix_fmt = 320, 180, "yuv420p"
        audio = container.add_stream("aac", rate=rate, layout="mono")
        images = scene(width=320, height=180, fps=fps, duration_s=seconds, walkers=[])
        for index, image in enumerate(images):
            container.mux(video.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
            # One video frame's worth of tone, in the encoder's 1024-sample frames.
            start, stop = index * rate // fps, (index + 1) * rate // fps
            for first in range(start, stop, 1024):
                samples = np.arange(first, min(first + 1024, stop)) / rate
                tone = (0.1 * np.sin(2 * np.pi * 440 * samples)).astype(np.float32)
                frame = av.AudioFrame.from_ndarray(tone[np.newaxis], format="fltp", layout="mono")
                frame.sample_rate, frame.pts = rate, first
                container.mux(audio.encode(frame))
        container.mux(video.encode(None))
        container.mux(audio.encode(None))
    return path


# The astronaut's face in scikit-image's 512×512 photo, labelled by hand: x1, y1, x2, y2.
ASTRONAUT_FACE = (180, 70, 270, 180)
# The close-up: her photo, 240 px square, slides in from the right across a 640×360 door.
FACE_VIDEO_FPS = 15


def face_frames(seconds: float = 4.0, size: int = 240) -> Iterator[np.ndarray]:
    """The close-up's frames: the photo moves 100 px a second, from x = 600."""
    import cv2
    from skimage import data

    photo = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), (size, size))
    street = background(640, 360)
    for index in range(int(seconds * FACE_VIDEO_FPS)):
        frame = street.copy()
        x = int(600 - 100 * index / FACE_VIDEO_FPS)
        visible = min(size, 640 - x)
        frame[60 : 60 + size, x : x + visible] = photo[:, :visible]
        yield frame


@pytest.fixture(scope="session")
def face_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The close-up (:func:`face_frames`), 4 s as H.264."""
    path = tmp_path_factory.mktemp("video") / "close-up.mp4"
    write_h264(path, face_frames(), fps=FACE_VIDEO_FPS)
    return path


@pytest.fixture(scope="session")
def two_second_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 s at 10 fps: 20 frames."""
    return write_scene(tmp_path_factory.mktemp("video") / "two-seconds.mp4", seconds=2)


@pytest.fixture(scope="session")
def video_with_audio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1 s at 10 fps with AAC audio, and B-frames (libx264's defaults)."""
    return write_scene_with_audio(tmp_path_factory.mktemp("video") / "audio.mp4", seconds=1)


@pytest.fixture(scope="session")
def long_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Longer than any RTSP test watches: the server's stream ends with the file."""
    return write_scene(tmp_path_factory.mktemp("video") / "long.mp4", seconds=30)


class RtspCamera:
    """``tests/edge/rtsp_server.py`` run by the system Python, which has GstRtspServer."""

    def __init__(self, video: Path) -> None:
        self.video = video
        self.port = free_port()
        self.url = f"rtsp://127.0.0.1:{self.port}/cam"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = tempfile.TemporaryFile()

    def start(self) -> None:
        command = [SYSTEM_PYTHON, str(RTSP_SERVER), "--port", str(self.port)]
        # A file, not a pipe: nobody reads GStreamer's messages while the server runs.
        self.log.seek(0)
        self.log.truncate()
        self.process = subprocess.Popen([*command, "--file", str(self.video)], stderr=self.log)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                error = self.log.read().decode(errors="replace")
                pytest.fail(
                    f"the RTSP test server exited: {error[-800:]}\n"
                    f"(it needs the Debian packages {GSTREAMER_PACKAGES})"
                )
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        pytest.fail("the RTSP test server did not start listening in 15 s")

    def kill(self) -> None:
        """End the server abruptly, as a camera losing power would."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def rtsp_camera(long_video: Path) -> Iterator[RtspCamera]:
    camera = RtspCamera(long_video)
    camera.start()
    try:
        yield camera
    finally:
        camera.kill()
        camera.log.close()
