"""Event clips cut by stream copy from a rolling buffer of recent packets.

Pre-roll is kept as compressed packets (megabytes, not decoded frames) in whole GOPs, as
a cut must start on a keyframe. A clip is the camera's own bytes, not re-encoded: fast,
lossless, and the evidence chain can say the pixels are the camera's. Cameras with
privacy zones can't stream-copy; :mod:`doorstep.edge.redact` re-encodes from the buffer.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import itertools
import logging
import os
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Literal, NewType

import av
import av.error
import av.stream
from av.container import OutputContainer

from doorstep.durable import fsync_directory
from doorstep.edge.media import Captured
from doorstep.errors import InvalidInput, StorageError

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 256 * 1024 * 1024  # what pins may hold, however long: 8 min at 4 Mbit/s
# Fragmented MP4: ftyp, moov (with mvex, no samples), then a moof + mdat per GOP. A browser
# appends each fragment to a MediaSource as it is decrypted, so playback starts before the
# whole clip is fetched; FFmpeg, PyAV and every player read it like any MP4. delay_moov,
# not empty_moov: the moov waits for the first fragment, so its edit list can take off the
# B-frame delay and the first frame is still shown at 0.
MP4_OPTIONS = {"movflags": "frag_keyframe+delay_moov+default_base_moof"}
PinHandle = NewType("PinHandle", int)  # from SegmentBuffer.pin, for SegmentBuffer.unpin
VideoMuxer = Callable[[OutputContainer, Callable[[float], None]], None]


@dataclass(frozen=True, slots=True)
class BufferedPacket:
    """A packet's bytes and timing, copied out of PyAV so no decoder buffer is held."""

    kind: Literal["video", "audio"]
    data: bytes
    pts: int | None
    dts: int | None
    duration: int | None
    time_base: Fraction
    is_keyframe: bool
    stream: av.stream.Stream  # our own copy of the source's: the stream-copy template
    seconds: float
    # When the packet is decoded (earlier than ``seconds`` by the B-frame delay) and when
    # it ends: worked out once here, as clips and spans read them for every packet.
    decode_seconds: float = field(init=False)
    end_seconds: float = field(init=False)

    def __post_init__(self) -> None:
        # int * int / int is rounded once, as float(Fraction) is: the same floats as before.
        num, den = self.time_base.numerator, self.time_base.denominator
        delay = 0 if self.pts is None or self.dts is None else self.pts - self.dts
        object.__setattr__(self, "decode_seconds", self.seconds - delay * num / den)
        object.__setattr__(self, "end_seconds", self.seconds + (self.duration or 0) * num / den)

    def to_packet(self, ticks: int, stream: av.stream.Stream | None) -> av.Packet[av.stream.Stream]:
        """A fresh ``av.Packet`` of these bytes, timestamps moved back by ``ticks``."""
        packet = av.Packet(self.data)
        packet.pts = None if self.pts is None else self.pts - ticks
        packet.dts = None if self.dts is None else self.dts - ticks
        packet.duration, packet.time_base = self.duration, self.time_base
        packet.is_keyframe = self.is_keyframe
        if stream is not None:  # a decoder needs none
            packet.stream = stream
        return packet


@dataclass(frozen=True)
class ClipSpan:
    """The packets of one clip: video from a keyframe, in decode order, and audio."""

    video: tuple[BufferedPacket, ...]
    audio: tuple[BufferedPacket, ...]
    start_s: float
    end_s: float

    def ticks(self, first: BufferedPacket) -> int:
        """What to take off the timestamps of ``first``'s stream so the clip starts at 0."""
        stamp = first.pts if first.pts is not None else (first.dts or 0)  # one is set
        return stamp - round(Fraction(first.seconds - self.start_s) / first.time_base)


@dataclass(frozen=True)
class ClipInfo:
    path: Path
    start_s: float  # capture seconds the clip really starts at (its first keyframe)
    end_s: float
    duration_s: float
    size_bytes: int
    sha256: str
    has_audio: bool


class SegmentBuffer:
    """The last ``keep_s`` seconds of packets in whole GOPs, and whatever pins hold.

    An event pins its clip's start so it survives however long the event lasts;
    ``max_bytes`` evicts the oldest GOPs even so (with a warning): an edge device must
    not run out of memory because an event never ends.
    """

    def __init__(self, keep_s: float, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if keep_s <= 0 or max_bytes <= 0:
            raise InvalidInput("keep_s and max_bytes must be positive")
        self.keep_s, self.max_bytes = keep_s, max_bytes
        self._packets: deque[BufferedPacket] = deque()
        self._first_seq = 0  # sequence number of _packets[0]
        self._keyframes: deque[tuple[int, float]] = deque()  # (sequence number, seconds)
        self._bytes = 0
        self._newest_s = self._warned_s = float("-inf")
        self._pins: dict[PinHandle, float] = {}
        self._pin_ids = itertools.count()
        self._templates: dict[str, tuple[av.stream.Stream, av.stream.Stream | None]] = {}

    def __len__(self) -> int:
        return len(self._packets)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    @property
    def start_s(self) -> float | None:
        """Seconds of the oldest keyframe: where the earliest possible clip starts."""
        return self._keyframes[0][1] if self._keyframes else None

    def append(self, item: Captured) -> None:
        packet = item.packet
        is_keyframe = item.kind == "video" and packet.is_keyframe
        timing = (packet.pts, packet.dts, packet.duration, packet.time_base, is_keyframe)
        if packet.size == 0 or timing[:2] == (None, None) or not (self._keyframes or is_keyframe):
            return  # nothing to mux (a flush packet, no timestamps), or to start a clip with
        if (template := self._template(item.kind, item.stream)) is None:
            return
        stored = BufferedPacket(item.kind, bytes(packet), *timing, template, item.seconds)
        if is_keyframe:
            self._keyframes.append((self._first_seq + len(self._packets), item.seconds))
        self._packets.append(stored)
        self._bytes += len(stored.data)
        self._newest_s = max(self._newest_s, item.seconds)
        self._evict()

    def pin(self, start_s: float) -> PinHandle:
        """Keep packets from ``start_s`` (a clip's start, pre-roll included) until unpinned."""
        handle = PinHandle(next(self._pin_ids))
        self._pins[handle] = start_s
        return handle

    def unpin(self, handle: PinHandle) -> None:
        self._pins.pop(handle, None)
        self._evict()

    def span(self, start_s: float, end_s: float, *, audio: bool = True) -> ClipSpan:
        """The packets covering [start_s, end_s], from the last keyframe at or before start_s.

        Video is a prefix in decode order, so it always decodes; it stops early where the
        source changed to codec parameters the first packet's template can't describe.
        """
        at = max(bisect.bisect_right(self._keyframes, start_s, key=lambda k: k[1]) - 1, 0)
        if end_s < start_s or not self._keyframes or self._keyframes[at][1] > end_s:
            raise InvalidInput(f"nothing buffered for {start_s:.2f}–{end_s:.2f} s")
        first = self._keyframes[at][0] - self._first_seq
        packets = list(itertools.islice(self._packets, first, None))
        start = packets[0].seconds
        video = [p for p in _muxable(packets, "video") if p.decode_seconds <= end_s]
        end = max(p.end_seconds for p in video)
        sound = [p for p in _muxable(packets, "audio") if audio and start <= p.seconds < end]
        return ClipSpan(tuple(video), tuple(sound), start, end)

    def _template(self, kind: str, source: av.stream.Stream) -> av.stream.Stream | None:
        """Our own copy of ``source`` to mux clips from; None where MP4 can't hold it.

        PyAV reads a template's parameters from its container, so muxing from the stream
        of a container capture has closed (reconnect, file loop) crashes. The copy lives
        in a never-written container of ours; after a reconnect with the same parameters
        the old copy is kept, so a clip can run across the reconnect.
        """
        known = self._templates.get(kind)
        if known is not None and known[0] is source:
            return known[1]
        template: av.stream.Stream | None = None
        try:
            holder = av.open(io.BytesIO(), "w", format="mp4")
            template = holder.add_stream_from_template(source, opaque=True)
        except ValueError as exc:
            logger.warning("can't record %s: %s", kind, exc)
        if known and known[1] and template and _parameters(known[1]) == _parameters(template):
            template = known[1]
        self._templates[kind] = (source, template)
        return template

    def _evict(self) -> None:
        horizon = min([self._newest_s - self.keep_s, *self._pins.values()])
        while len(self._keyframes) > 1 and self._keyframes[1][1] <= horizon:
            self._drop_first_gop()
        if self._bytes > self.max_bytes and self._newest_s - self._warned_s >= 60:
            logger.warning("clip buffer over %d bytes: dropping its oldest video", self.max_bytes)
            self._warned_s = self._newest_s  # a warning a minute, not one a GOP
        while self._bytes > self.max_bytes and len(self._keyframes) > 1:
            self._drop_first_gop()
        if self._bytes > self.max_bytes:  # one GOP alone is too big: start again
            self._first_seq, self._bytes = self._first_seq + len(self._packets), 0
            self._packets.clear()
            self._keyframes.clear()

    def _drop_first_gop(self) -> None:
        self._keyframes.popleft()
        while self._first_seq < self._keyframes[0][0]:
            self._bytes -= len(self._packets.popleft().data)
            self._first_seq += 1


def _muxable(packets: list[BufferedPacket], kind: str) -> Iterator[BufferedPacket]:
    """The packets of ``kind`` one MP4 track takes: one template's, decode times rising.

    Where a source's timeline steps back (a file loop, a reconnect), the packets it
    repeats are dropped rather than failing the whole clip in the muxer.
    """
    stream, latest = None, float("-inf")
    for packet in (p for p in packets if p.kind == kind):
        if (stream is None or packet.stream is stream) and packet.decode_seconds > latest:
            stream, latest = packet.stream, packet.decode_seconds
            yield packet


def _parameters(stream: av.stream.Stream) -> tuple[object, ...]:
    # Extradata (H.264/H.265 parameter sets, AAC's config) carries size and sample rate.
    return (stream.codec_context.name, stream.codec_context.extradata, stream.time_base)


def cut_clip(
    buffer: SegmentBuffer, start_s: float, end_s: float, path: Path, *, audio: bool = True
) -> ClipInfo:
    """Cut [start_s, end_s] by stream copy into an MP4 at ``path``, written atomically.

    The clip starts at the last keyframe at or before ``start_s`` (or the oldest one
    buffered), its timestamps at 0. Audio is copied when the buffer holds some, which it
    does only for cameras that record audio (off by default).
    """
    span = buffer.span(start_s, end_s, audio=audio)

    def mux_video(container: OutputContainer, mux_audio: Callable[[float], None]) -> None:
        video = container.add_stream_from_template(span.video[0].stream, opaque=True)
        ticks = span.ticks(span.video[0])
        for packet in span.video:
            mux_audio(packet.decode_seconds)
            container.mux(packet.to_packet(ticks, video))

    return write_clip(path, span, mux_video)


def write_clip(path: Path, span: ClipSpan, mux_video: VideoMuxer) -> ClipInfo:
    """Write ``span`` as a fragmented MP4 beside ``path``, fsync it and rename it into place.

    ``mux_video`` adds the video track, then muxes it, first calling its second argument
    with each packet's time so that the span's audio, copied, is muxed in step. A reader (outbox,
    uploader) sees no file or the whole clip, and a failure leaves nothing behind.
    File-system and FFmpeg failures become :class:`StorageError`.
    """
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with av.open(str(temp), mode="w", format="mp4", options=MP4_OPTIONS) as container:
            ticks = span.ticks(span.audio[0]) if span.audio else 0
            pending, track = deque(span.audio), list[av.stream.Stream]()

            def mux_audio(until_s: float) -> None:
                if pending and not track:  # the first call: after the video track, conventionally
                    track.append(container.add_stream_from_template(pending[0].stream))
                while pending and pending[0].decode_seconds <= until_s:
                    container.mux(pending.popleft().to_packet(ticks, track[0]))

            mux_video(container, mux_audio)
            mux_audio(float("inf"))
        with temp.open("rb") as file:
            digest, size = hashlib.file_digest(file, "sha256").hexdigest(), file.tell()
            os.fsync(file.fileno())
        os.replace(temp, path)
        fsync_directory(path.parent)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if isinstance(exc, OSError | av.error.FFmpegError):
            raise StorageError(f"can't write clip {path}: {exc}") from exc
        raise
    duration = span.end_s - span.start_s
    return ClipInfo(path, span.start_s, span.end_s, duration, size, digest, bool(span.audio))
