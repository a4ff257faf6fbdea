"""Privacy zones, blacked out on the device before a clip or snapshot is stored.

A camera with privacy zones can't have its clips cut by stream copy: the zones are in
the camera's own bytes. Its clips are decoded from the same packet buffer, masked frame
by frame and encoded again (libx264), so no stored file ever holds what the zones
cover (design promise 8). Snapshots are masked before they are compressed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import av
import cv2
import numpy as np
from av.container import OutputContainer
from numpy.typing import NDArray

from doorstep.edge.geometry import Polygon, polygon_mask
from doorstep.edge.record import ClipInfo, ClipSpan, SegmentBuffer, write_clip
from doorstep.errors import InvalidInput

Image = NDArray[np.uint8]


@lru_cache(maxsize=32)
def _mask(polygons: tuple[Polygon, ...], width: int, height: int) -> NDArray[np.bool_]:
    """The zones' pixels at one frame size; computed once, since every frame needs it."""
    mask = polygon_mask(list(polygons), width, height)
    mask.flags.writeable = False  # shared between calls: nobody may change it
    return mask


def mask_frame(image: Image, polygons: Sequence[Polygon]) -> Image:
    """``image`` (BGR or grey) with every polygon filled black.

    The input is never modified; without polygons it is returned as it is.
    """
    if not polygons:
        return image
    height, width = image.shape[:2]
    masked = image.copy()
    masked[_mask(tuple(polygons), width, height)] = 0
    return masked


def snapshot_jpeg(
    frame: av.VideoFrame | Image, polygons: Sequence[Polygon], quality: int = 85
) -> bytes:
    """A JPEG of ``frame`` with the privacy zones black: they are never compressed."""
    if not 1 <= quality <= 100:
        raise InvalidInput("JPEG quality must be from 1 to 100", field="quality")
    if isinstance(frame, av.VideoFrame):
        image: Image = np.asarray(frame.to_ndarray(format="bgr24"), dtype=np.uint8)
    else:
        image = frame
    ok, encoded = cv2.imencode(
        ".jpg", mask_frame(image, polygons), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    if not ok:
        raise InvalidInput("the image could not be encoded as JPEG")
    return encoded.tobytes()


def reencode_clip(
    buffer: SegmentBuffer,
    start_s: float,
    end_s: float,
    path: Path,
    polygons: Sequence[Polygon],
    *,
    audio: bool = True,
    crf: int = 23,
    preset: str = "veryfast",
) -> ClipInfo:
    """Like :func:`~doorstep.edge.record.cut_clip`, with ``polygons`` black in every frame.

    Decodes the span from its keyframe, masks each frame and encodes H.264 (yuv420p, so
    every browser plays it) into a fragmented MP4, written atomically. Audio, when
    ``audio`` is on and the buffer holds some, is copied as it is. The buffer is only read.
    """
    span = buffer.span(start_s, end_s, audio=audio)

    def mux_video(container: OutputContainer, mux_audio: Callable[[float], None]) -> None:
        template = span.video[0].stream
        if not isinstance(template, av.VideoStream):
            raise InvalidInput("the buffered video has no video stream to decode")
        seconds = max(span.end_s - span.start_s, 0.001)
        rate = Fraction(len(span.video) / seconds).limit_denominator(1001)  # a hint for x264
        # The source's own time base: a variable-rate camera's timestamps keep their
        # spacing instead of colliding when rounded to 1/fps.
        time_base = span.video[0].time_base
        video = container.add_stream("libx264", rate=rate, time_base=time_base)
        video.codec_context.time_base = time_base
        video.width = template.codec_context.width
        video.height = template.codec_context.height
        video.pix_fmt = "yuv420p"  # what every browser plays
        video.codec_context.options = {"preset": preset, "crf": str(crf)}
        for pts, frame in _decoded(template, span):
            mux_audio(span.start_s + float(pts * time_base))
            # Masked in BGR, as snapshots are; the encoder converts back to yuv420p.
            image = np.asarray(frame.to_ndarray(format="bgr24"), dtype=np.uint8)
            masked = av.VideoFrame.from_ndarray(mask_frame(image, polygons), format="bgr24")
            masked.pts, masked.time_base = pts, time_base
            container.mux(video.encode(masked))
        container.mux(video.encode(None))

    return write_clip(path, span, mux_video)


def _decoded(template: av.VideoStream, span: ClipSpan) -> Iterator[tuple[int, av.VideoFrame]]:
    """The span's frames with timestamps from 0, from a decoder of our own.

    Capture's decoder is busy with the live stream; a fresh one from the template's
    codec and extradata decodes the copied bytes without touching it.
    """
    decoder = av.Codec(template.codec_context.codec.canonical_name, "r").create("video")
    decoder.extradata = template.codec_context.extradata
    ticks = span.ticks(span.video[0])
    previous = -1
    packets = (source.to_packet(ticks, None) for source in span.video)
    for packet in itertools.chain(packets, [None]):  # None drains the decoder
        for frame in decoder.decode(packet):
            if frame.pts is not None and frame.pts > previous:  # the encoder needs rising pts
                previous = frame.pts
                yield frame.pts, frame
