"""Capture: open a camera's source with PyAV, demux it, decode its video once, reconnect.

Live sources (RTSP, V4L2) that fail or end are opened again with backoff, as cameras
come back; a file that can't be read is an error at once: it won't get better.

Timestamps: clips may span reconnects and file loops, so each opened container's pts and
dts are shifted (one shift for all its streams: audio stays in sync) onto a timeline that
never restarts. Its first pts (or start time, if earlier) lands where the previous
container ended (latest pts plus duration) or, for a live source, at the monotonic time
since capture started if later, so an outage shows as a gap. ``seconds`` is the shifted
pts (dts without pts) in seconds, as are decoded frames' pts; it increases packet by
packet unless the source has B-frames. A source clock that jumps back over a second gets
a new shift. Packets without timestamps (some RTSP servers send one first; the demuxer's
empty end-of-stream packet, yielded only when it flushed frames out of the decoder) get
the latest seconds. Containers are not closed here: PyAV's close() frees the streams of
packets already yielded, which the recorder keeps; each closes when they are dropped.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import re
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import av
import av.error
import av.stream
from av.codec.context import Flags2
from av.container import InputContainer
from av.video.frame import VideoFrame

from doorstep.edge import synthetic
from doorstep.edge.config import CameraConfig, FileSource, RtspSource, SyntheticSource, V4l2Source
from doorstep.edge.media import CameraHealth, Captured
from doorstep.errors import ConfigurationError, InvalidInput

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Backoff = Callable[[int], float]  # seconds to wait after the n-th failure in a row (n ≥ 1)
Opened = FileSource | RtspSource | V4l2Source

_FOREIGN_ERRORS = (av.error.FFmpegError, OSError)
_SECRET_QUERY = re.compile(r"((?:^|&)(?:password|passwd|pass|pwd)=)[^&]*", re.IGNORECASE)
_SYNTHETIC_VERSION = "1"  # part of the file name: bump when the generated scene changes


def exponential_backoff(attempt: int) -> float:
    """0.5 s doubling to 30 s, times a random 50-100 %: cameras behind one router that
    went down together don't all retry in step."""
    return min(30.0, 0.5 * 2.0 ** min(attempt - 1, 16)) * random.uniform(0.5, 1.0)


def redact_url(url: str) -> str:
    """``url`` with its password (``user:pass@`` or a ``password=`` query) shown as ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "***"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        netloc = f"{user}{colon and ':***'}@{host}"
    return urlunsplit(parts._replace(netloc=netloc, query=_SECRET_QUERY.sub(r"\1***", parts.query)))


def synthetic_file(source: SyntheticSource, data_dir: Path) -> Path:
    """The scene of ``source`` as H.264, generated once per configuration (it takes
    seconds) under a name hashed from it. Written to a temporary name first, so neither
    a crash nor two cameras generating at once leave a half-written file."""
    settings = f"{_SYNTHETIC_VERSION}:{source.model_dump_json()}"
    path = data_dir / "synthetic" / f"{hashlib.sha256(settings.encode()).hexdigest()[:16]}.mp4"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=".mp4", prefix=f".{path.stem}-", dir=path.parent)
    os.close(handle)
    try:
        frames = synthetic.scene(
            width=source.width,
            height=source.height,
            fps=source.fps,
            duration_s=source.period_s,
            walkers=synthetic.random_walkers(source.people, source.period_s, source.seed),
            seed=source.seed,
        )
        synthetic.write_h264(Path(temporary), frames, fps=source.fps)
        os.replace(temporary, path)
    except _FOREIGN_ERRORS as exc:
        raise ConfigurationError(f"can't generate the synthetic scene: {exc}") from exc
    finally:
        Path(temporary).unlink(missing_ok=True)
    return path


def capture(
    camera: CameraConfig,
    *,
    stop: threading.Event,
    health: CameraHealth,
    data_dir: Path,
    clock: Clock = time.monotonic,
    backoff: Backoff = exponential_backoff,
    max_attempts: int | None = None,
) -> Iterator[Captured]:
    """Packets and decoded frames of ``camera`` until ``stop`` is set or a file ends.

    A live source is retried forever, unless ``max_attempts`` attempts in a row fail (an
    open that fails, or a connection that ends before a frame): then
    :class:`ConfigurationError` names the source and the reason, for tools that must
    exit. A file that can't be opened or decoded raises :class:`InvalidInput`.
    ``health.reconnects`` counts connections after the first. ``stop`` is checked between
    packets and cuts backoff and pacing waits short; a stalled camera is noticed after
    its ``timeout_s``.
    """
    source = camera.source
    if isinstance(source, SyntheticSource):
        source = FileSource(path=synthetic_file(source, data_dir), loop=True, realtime=True)
    live = not isinstance(source, FileSource)
    state = _Capture(
        camera, _name(source), live, health, stop, clock, backoff, max_attempts, clock()
    )
    realtime = isinstance(source, FileSource) and source.realtime
    try:
        while not stop.is_set():
            error: BaseException | None = None
            state.decoded = 0
            try:
                yield from state.play(_open(source), pace=realtime)
            except _FOREIGN_ERRORS as exc:
                error = exc
            if stop.is_set():
                return
            state.failures = 0 if state.decoded else state.failures
            reason = _reason(error, source) if error else None
            if not (reason or state.decoded):
                reason = "no video frames could be decoded"
            if isinstance(source, FileSource):
                if reason:
                    raise state.fatal(f"can't read video file {source.path}: {reason}") from error
                if not source.loop:
                    return
            elif not state.failed(reason or "the stream ended"):
                return
    finally:
        health.connected = False


@dataclass
class _Capture:
    """One camera's capture state: its timeline, health and failures in a row."""

    camera: CameraConfig
    source: str
    live: bool
    health: CameraHealth
    stop: threading.Event
    clock: Clock
    backoff: Backoff
    max_attempts: int | None
    started: float  # clock at start; pacing moves it when far behind
    failures: int = 0
    end: float = 0.0  # where the next container's timestamps may start, in seconds
    last: float = 0.0  # seconds of the latest packet
    shift: float | None = None  # seconds added to this container's timestamps
    base: float = 0.0  # where this container's timestamps start
    earliest: float | None = None  # this container's start time
    plays: int = 0
    decoded: int = 0  # frames decoded from the current container
    frame_times: deque[float] = field(default_factory=lambda: deque(maxlen=30))

    def fatal(self, message: str) -> InvalidInput:
        self.health.errors, self.health.last_error = self.health.errors + 1, message
        return InvalidInput(message, field="source.path")

    def failed(self, reason: str) -> bool:
        """Record a failure and wait before the next attempt; False when ``stop`` was set."""
        self.health.connected = False
        self.health.errors, self.health.last_error = self.health.errors + 1, reason
        self.failures += 1
        if self.max_attempts is not None and self.failures >= self.max_attempts:
            tried = f"tried {self.failures} times"
            raise ConfigurationError(f"can't capture from {self.source}: {reason} ({tried})")
        delay = self.backoff(self.failures)
        log.warning(
            "camera %s: %s: %s; again in %.1f s", self.camera.name, self.source, reason, delay
        )
        return not self.stop.wait(delay)

    def play(self, container: InputContainer, pace: bool) -> Iterator[Captured]:
        """Yield the container's packets until it ends, counting the frames decoded."""
        if not container.streams.video:
            raise InvalidInput(f"{self.source} has no video stream")
        video = container.streams.video[0]
        # Cameras often send a frame as several slices, which RTSP delivers as several
        # packets: in chunks mode the decoder joins them into one frame.
        video.codec_context.flags2 |= Flags2.chunks
        streams = [video, *(container.streams.audio[:1] if self.camera.audio else ())]
        self.health.reconnects += self.live and self.plays > 0
        self.plays, self.health.connected = self.plays + 1, True
        self.base = max(self.end, self.clock() - self.started) if self.live else self.end
        start = container.start_time
        self.earliest, self.shift = (None if start is None else start / av.time_base), None
        for packet in container.demux(streams):
            is_video = packet.stream.index == video.index  # stream_index: 0 in flush packets
            if self.stop.is_set():
                return
            if packet.size == 0 and not is_video:
                continue  # the demuxer's end-of-stream marker; for video it flushes frames
            seconds = self._rebase(packet)
            if pace and not self._wait_until(seconds):
                return
            frames: list[VideoFrame] = []
            if is_video:
                try:
                    frames = video.codec_context.decode(packet)
                except av.error.InvalidDataError as exc:
                    if not self.live:
                        raise
                    # One damaged packet from a camera is not worth a reconnect.
                    self.health.errors += 1
                    self.health.last_error = f"undecodable packet: {exc.strerror}"
                self.decoded += len(frames)
            now = datetime.now(UTC)
            if frames:  # fps over the latest 30 frames as they arrive, not as the stream says
                self.frame_times.extend([self.clock()] * len(frames))
                span = self.frame_times[-1] - self.frame_times[0]
                self.health.fps = (len(self.frame_times) - 1) / span if span else self.health.fps
                self.health.last_frame_at = now
            elif packet.size == 0:
                continue
            kind: Literal["video", "audio"] = "video" if is_video else "audio"
            yield Captured(kind, packet, packet.stream, seconds, now, frames)

    def _rebase(self, packet: av.Packet[av.stream.Stream]) -> float:
        """Shift the packet's pts and dts onto the timeline; its seconds there.

        Time bases are Fractions, whose arithmetic costs microseconds a step on every
        packet; int * int / int rounds once, as float(Fraction) does, so these are the
        same floats."""
        timestamp = packet.pts if packet.pts is not None else packet.dts
        if timestamp is None:
            return self.last
        time_base = packet.time_base
        num, den = time_base.numerator, time_base.denominator
        source_seconds = timestamp * num / den
        if self.shift is None:
            origin = source_seconds if self.earliest is None else min(source_seconds, self.earliest)
            self.shift = self.base - origin
        elif source_seconds + self.shift < self.last - 1.0:  # the source's clock went back
            self.shift = self.end - source_seconds
        ticks = round(self.shift / (num / den))
        packet.pts = None if packet.pts is None else packet.pts + ticks
        packet.dts = None if packet.dts is None else packet.dts + ticks
        self.last = (timestamp + ticks) * num / den
        duration = (packet.duration or 0) * num / den
        self.end = max(self.end, self.last + max(duration, 0.001))
        return self.last

    def _wait_until(self, seconds: float) -> bool:
        """Sleep until ``seconds`` after playing started; False when ``stop`` was set."""
        delay = self.started + seconds - self.clock()
        if delay < -1.0:  # far behind (a slow consumer): go on from here, don't burst
            self.started -= delay
        return delay <= 0 or not self.stop.wait(delay)


def _open(source: Opened) -> InputContainer:
    if isinstance(source, RtspSource):
        # Socket timeout in microseconds; probe 1 s, not 5: the SDP has the codec settings.
        timeout = str(int(source.timeout_s * 1_000_000))
        options = {"rtsp_transport": "tcp", "timeout": timeout, "analyzeduration": "1000000"}
        return av.open(source.url, options=options, timeout=source.timeout_s)
    if isinstance(source, V4l2Source):
        if (source.width is None) != (source.height is None):
            raise ConfigurationError(f"{source.device}: give both width and height, or neither")
        options = {"video_size": f"{source.width}x{source.height}"} if source.width else {}
        if source.fps:
            options["framerate"] = str(source.fps)
        return av.open(str(source.device), format="v4l2", options=options)
    return av.open(str(source.path))


def _name(source: Opened) -> str:
    if isinstance(source, RtspSource):
        return redact_url(source.url)
    return str(source.device if isinstance(source, V4l2Source) else source.path)


def _reason(exc: BaseException, source: Opened) -> str:
    """What went wrong, in a few words, without the URL's password."""
    reason = str(getattr(exc, "strerror", None) or exc or type(exc).__name__)
    if isinstance(source, RtspSource):
        reason = reason.replace(source.url, redact_url(source.url))
        if password := urlsplit(source.url).password:
            reason = reason.replace(password, "***")
    return reason
