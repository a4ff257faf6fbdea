"""The edge's configuration: a tree of small pydantic models read from TOML.

Unknown keys are refused, and :func:`load_edge_config` names the offending key and its
line in the file. Every field explains itself (``doorstep edge run --help`` and the
README's example point here).
"""

from __future__ import annotations

import json
import re
import tomllib
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)
from shapely.geometry import Polygon as ShapelyPolygon

from doorstep.edge.geometry import Polygon
from doorstep.errors import ConfigurationError


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RtspSource(Section):
    type: Literal["rtsp"] = "rtsp"
    url: str = Field(title="rtsp:// or rtsps:// URL; credentials may be in it (never logged)")
    timeout_s: float = Field(10.0, gt=0, le=120, title="Give up connecting after this long")

    @field_validator("url")
    @classmethod
    def _rtsp_url(cls, value: str) -> str:
        if not value.startswith(("rtsp://", "rtsps://")):
            raise ValueError("must start with rtsp:// or rtsps://")
        return value


class FileSource(Section):
    type: Literal["file"] = "file"
    path: Path = Field(title="A video file PyAV can read")
    loop: bool = Field(False, title="Start again at the end")
    realtime: bool = Field(True, title="Pace frames at their timestamps (off: as fast as possible)")


class V4l2Source(Section):
    type: Literal["v4l2"] = "v4l2"
    device: Path = Field(Path("/dev/video0"), title="The video device")
    width: int | None = Field(None, gt=0, title="Ask the device for this width")
    height: int | None = Field(None, gt=0, title="Ask the device for this height")
    fps: int | None = Field(None, gt=0, le=120, title="Ask the device for this frame rate")


class SyntheticSource(Section):
    type: Literal["synthetic"] = "synthetic"
    people: int = Field(2, ge=0, le=10, title="People walking through the generated scene")
    width: int = Field(1280, ge=160, le=3840, title="Frame width")
    height: int = Field(720, ge=120, le=2160, title="Frame height")
    fps: int = Field(15, ge=1, le=60, title="Frames per second")
    period_s: float = Field(60.0, ge=10, le=3600, title="Length of the scene before it repeats")
    seed: int = Field(0, title="Random seed of the scene")


Source = Annotated[
    RtspSource | FileSource | V4l2Source | SyntheticSource, Field(discriminator="type")
]


class MotionConfig(Section):
    width: int = Field(160, ge=32, le=640, title="Width of the grey frame motion runs on")
    fps: float = Field(
        10.0, gt=0, le=60, title="Most motion checks per second (every frame is still decoded)"
    )
    threshold: int = Field(25, ge=1, le=255, title="Grey-level change that counts as motion")
    min_area: float = Field(
        0.002, gt=0, lt=1, title="Smallest moving region, as a fraction of the frame"
    )
    background_alpha: float = Field(
        0.05, gt=0, lt=1, title="How fast the background learns (per motion frame)"
    )
    lighting_change: float = Field(
        0.4, gt=0, le=1, title="Changed fraction of the frame that means a lighting change"
    )


class FaceConfig(Section):
    """The face detector: a second signal that a person is there, never an identity."""

    enabled: bool | None = Field(
        None,
        title="Look for faces in motion regions too (default: on when the face model is installed)",
    )
    min_score: float = Field(0.5, gt=0, le=1, title="Least score a face needs")


class DetectorSection(Section):
    faces: FaceConfig = FaceConfig()


class HogDetector(DetectorSection):
    type: Literal["hog"] = "hog"
    width: int = Field(640, ge=160, le=1920, title="Width of the frame detection runs on")
    fps: float = Field(5.0, gt=0, le=30, title="Most detections per second")
    min_score: float = Field(0.5, ge=0, title="Least score a detection needs")


class OnnxDetector(DetectorSection):
    type: Literal["onnx"] = "onnx"
    model: Path = Field(title="Path to a user-supplied ONNX model (nothing is downloaded)")
    layout: Literal["yolo", "ssd"] = Field("yolo", title="How the model's output is laid out")
    input_size: int = Field(640, ge=32, le=2048, title="Square input size the model expects")
    provider: Literal["cpu", "cuda"] = Field("cpu", title="ONNX Runtime execution provider")
    classes: dict[int, str] = Field({0: "person"}, title="Class index to label")
    labels: list[str] = Field(["person"], min_length=1, title="Labels that make events")
    width: int = Field(640, ge=160, le=1920, title="Width of the frame detection runs on")
    fps: float = Field(5.0, gt=0, le=30, title="Most detections per second")
    min_score: float = Field(0.5, ge=0, le=1, title="Least score a detection needs")
    iou_threshold: float = Field(0.45, gt=0, lt=1, title="Non-maximum suppression overlap")


def _detector_type(value: Any) -> str:
    """The detector's ``type``, HOG when left out: ``[cameras.detect.faces]`` alone is fine."""
    if isinstance(value, dict):
        return str(value.get("type", "hog"))
    return str(getattr(value, "type", "hog"))


Detector = Annotated[
    Annotated[HogDetector, Tag("hog")] | Annotated[OnnxDetector, Tag("onnx")],
    Discriminator(_detector_type),
]


class TrackConfig(Section):
    iou: float = Field(0.3, gt=0, lt=1, title="Overlap that continues a track")
    min_frames: int = Field(3, ge=1, le=100, title="Detections before a track becomes an event")
    min_score: float = Field(0.5, ge=0, title="Top score a track needs to become an event")
    quiet_s: float = Field(
        2.0,
        gt=0,
        le=60,
        title="A track ends after this long with neither a detection nor motion where it was",
    )
    motion_shape: float = Field(
        0.7,
        ge=0,
        le=2,
        title="Drop a person detection whose motion is less than this tall for its width, "
        "relative to its box (HOG on animals); 0 turns it off",
    )

    @model_validator(mode="before")
    @classmethod
    def _renamed_max_gap(cls, data: Any) -> Any:
        # Configs written before quiet_s called it max_gap_s: they still load.
        if isinstance(data, dict) and "max_gap_s" in data:
            if "quiet_s" in data:
                raise ValueError("max_gap_s is the old name of quiet_s: keep only quiet_s")
            data = {
                ("quiet_s" if key == "max_gap_s" else key): value for key, value in data.items()
            }
        return data


class RecordConfig(Section):
    pre_roll_s: float = Field(5.0, ge=0, le=60, title="Seconds kept before an event")
    post_roll_s: float = Field(5.0, ge=0, le=60, title="Seconds kept after an event")
    max_event_s: float = Field(300.0, ge=10, le=3600, title="Longest clip; longer events split")


def _check_polygon(points: list[tuple[float, float]]) -> Polygon:
    if len(points) < 3:
        raise ValueError("a polygon needs at least 3 points")
    if any(not (0 <= x <= 1 and 0 <= y <= 1) for x, y in points):
        raise ValueError("polygon points are fractions of the frame, from 0 to 1")
    if not ShapelyPolygon(points).is_valid:
        raise ValueError("the polygon crosses itself")
    return tuple(points)


# What an event's details may spend on zone names (they are padded to 2048 bytes).
ZONE_NAMES_BYTES = 1024


class Zone(Section):
    name: str = Field(min_length=1, max_length=100, title="Shown in events")
    polygon: Polygon = Field(title="Points [x, y] as fractions of the frame")
    mode: Literal["require", "exclude"] = Field(
        "require", title="Events must start inside (require) or never count inside (exclude)"
    )

    _polygon = field_validator("polygon")(_check_polygon)


class PrivacyZone(Section):
    polygon: Polygon = Field(title="Blacked out on the device before anything else sees it")

    _polygon = field_validator("polygon")(_check_polygon)


class CameraConfig(Section):
    id: uuid.UUID = Field(title="The camera's id at the hub")
    name: str = Field(min_length=1, max_length=100, title="Shown in Home Assistant")
    source: Source
    audio: bool = Field(False, title="Keep the audio track (off by default)")
    motion: MotionConfig = MotionConfig()
    detect: Detector = HogDetector()
    track: TrackConfig = TrackConfig()
    record: RecordConfig = RecordConfig()
    zones: list[Zone] = []
    privacy_zones: list[PrivacyZone] = []

    @field_validator("zones")
    @classmethod
    def _zone_names_fit(cls, zones: list[Zone]) -> list[Zone]:
        # An event's details name its zones, and a details part has one fixed size.
        if len(json.dumps([zone.name for zone in zones])) > ZONE_NAMES_BYTES:
            raise ValueError(f"the zone names take more than {ZONE_NAMES_BYTES} bytes together")
        return zones


class HubConfig(Section):
    url: str = Field("http://127.0.0.1:8000", title="The hub's address")
    token_file: Path = Field(Path("edge-token"), title="Device token (0600), from `edge pair`")


class OutboxConfig(Section):
    quota_mb: int = Field(2048, ge=16, title="Disk for clips waiting or kept after upload")


class MqttConfig(Section):
    enabled: bool = Field(False, title="Publish events for Home Assistant")
    host: str = Field("127.0.0.1", title="MQTT broker")
    port: int = Field(1883, ge=1, le=65535, title="MQTT port")
    topic_prefix: str = Field("doorstep", title="Topics start with this")
    discovery_prefix: str = Field("homeassistant", title="Home Assistant discovery prefix")
    username: str | None = Field(None, title="Broker user")
    password_file: Path | None = Field(None, title="File (0600) holding the broker password")


class LiveViewConfig(Section):
    enabled: bool = Field(True, title="Serve live MJPEG to the home network")
    host: str = Field("127.0.0.1", title="Address to listen on (0.0.0.0 for the LAN)")
    port: int = Field(8090, ge=1, le=65535, title="Port to listen on")
    token_file: Path = Field(
        Path("live-token"), title="Viewers' token (0600); made on first start if missing"
    )
    fps: float = Field(5.0, gt=0, le=30, title="Most frames per second sent to a viewer")
    width: int = Field(640, ge=160, le=1920, title="Width of live frames")


class TwinsConfig(Section):
    threads: int = Field(
        1,
        ge=1,
        le=8,
        title="Threads making blurred twins, for all cameras: each takes about a core and "
        "90 MB while it makes one (720p)",
    )


class EdgeConfig(Section):
    data_dir: Path = Field(Path("edge-data"), title="Outbox, segments and state")
    hub: HubConfig = HubConfig()
    outbox: OutboxConfig = OutboxConfig()
    mqtt: MqttConfig = MqttConfig()
    live: LiveViewConfig = LiveViewConfig()
    twins: TwinsConfig = TwinsConfig()
    cameras: list[CameraConfig] = Field(min_length=1, title="The cameras this edge records")


def load_edge_config(path: Path) -> EdgeConfig:
    """Read and validate ``path``; errors name the key and its line in the file."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigurationError(f"can't read {path}: {exc.strerror}") from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return EdgeConfig.model_validate(raw)
    except ValidationError as exc:
        problem = exc.errors()[0]
        location = [part for part in problem["loc"] if not _is_union_tag(part)]
        key = ".".join(str(part) for part in location)
        line = _line_of(text, location)
        where = f"{path}:{line}" if line else str(path)
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = "unknown key"
        raise ConfigurationError(f"{where}: {key}: {message}") from exc


def _is_union_tag(part: object) -> bool:
    return isinstance(part, str) and part in {"rtsp", "file", "v4l2", "synthetic", "hog", "onnx"}


def _line_of(text: str, location: Sequence[int | str]) -> int | None:
    """The line of the last key in ``location``, searched after its parents' headers."""
    lines = text.splitlines()
    start = 0
    table: list[str] = []
    for part in location[:-1]:
        if isinstance(part, int):
            header = re.compile(rf"^\s*\[\[\s*{re.escape('.'.join(table))}\s*\]\]")
            seen = -1
            for number in range(start, len(lines)):
                if header.match(lines[number]):
                    seen += 1
                    if seen == part:
                        start = number + 1
                        break
        else:
            table.append(str(part))
    key = str(location[-1]) if location else ""
    pattern = re.compile(
        rf"^\s*(\"{re.escape(key)}\"|{re.escape(key)})\s*=|\.{re.escape(key)}\s*\]"
    )
    for number in range(start, len(lines)):
        if pattern.search(lines[number]):
            return number + 1
    return None
