"""From detections and motion to events: a tracker that follows a person for the whole visit.

A detection continues the live track of its label whose box it overlaps most (IoU at
least ``TrackConfig.iou``, or landing where the track's pace says it should be);
otherwise it starts a new track. Ids are small integers, stable for a track's life and
never reused by one :class:`Tracker` (events get UUIDs later, when they are recorded).

A face is a second signal for a person, never an identity: a detection labelled
``"face"`` becomes a ``"person"`` detection whose box is the body the face belongs to
(:func:`body_from_face`), unless a person detection of the same frame already holds
that face. So a face extends the person's track, or starts one, and a close-up at the
door is a person event.

A single frame is not an event: a track *qualifies* once it has ``min_frames``
detections, a top score of at least ``min_score`` and, when the camera has ``require``
zones, once its box's bottom-centre (where a person stands) has been inside one of them.
Detections standing in an ``exclude`` zone are dropped before tracking, and so is a person
detection that does not explain the motion it sits in (:func:`_explains`: a region far
wider for its height than the person's box is an animal's long body under a
person-shaped window).

Detectors miss people (side views, small sizes, motion blur), so a qualified track
also lives on *motion*: on a frame where no detection continues it, motion where the
track is predicted to be (its box carried at its pace) is evidence too, and the box
follows that motion. A track ends once ``quiet_s`` have passed with neither; an
unqualified track needs detections (motion alone never turns flicker into an event).
When a track qualifies, its start reaches back over the motion that led to its first
detection (a walker is visible before a detector finds them whole), at most
:data:`LOOKBACK_S`. The event spans :attr:`Track.start_s` to :attr:`Track.end_s`.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass, field

from shapely.geometry import Point
from shapely.geometry import Polygon as ShapelyPolygon

from doorstep.edge.config import TrackConfig, Zone
from doorstep.edge.detect.base import Detection
from doorstep.edge.geometry import Box

# How far back a qualifying track's start may reach over the motion before its first
# detection (the pipeline's packet buffer keeps pre-roll plus 10 s, so the clip still
# holds the pre-roll before it).
LOOKBACK_S = 5.0
# Motion covering at least this share of the track's predicted box (within the frame)
# counts as the person still there.
MOTION_COVER = 0.1
# A motion region over this many times the track's box is not the person's own motion
# (leaves swaying over the whole garden, a bus going by): it is no evidence for them.
MOTION_REGION_BOXES = 8.0
# A body around a face, in face sizes: a person is about 3 face widths wide and 7 face
# heights tall, the face at the top.
BODY_WIDTH_FACES = 3.0
BODY_HEIGHT_FACES = 7.0
BODY_ABOVE_FACE = 0.3  # hair above a face box, in face heights


@dataclass(frozen=True)
class Track:
    """A snapshot of a track, taken when it qualified or ended."""

    id: int
    label: str
    first_seen: float  # first detection, seconds on the caller's clock
    last_seen: float  # last detection
    hits: int
    top_score: float
    best_box: Box  # the box at the top score
    best_seconds: float  # when the top score was seen: the moment to take the snapshot at
    last_box: Box  # where the track was at end_s
    start_s: float  # first evidence: the motion that led to the first detection
    end_s: float  # last evidence: a detection, or motion where the track was
    zones: tuple[str, ...] = ()  # require zones entered, in the order entered


@dataclass(frozen=True)
class TrackerUpdate:
    started: list[Track] = field(default_factory=list)  # just qualified as events
    ended: list[Track] = field(default_factory=list)  # qualified, and now gone


@dataclass
class _LiveTrack:
    track: Track
    first_box: Box  # where the first detection was: looking back for motion starts there
    qualified: bool = False
    # Smoothed velocity of the box centre, in frame fractions per second.
    velocity: tuple[float, float] = (0.0, 0.0)
    steps: int = 1  # boxes so far (detections and motion): the pace is known after two

    def predicted(self, seconds: float) -> Box:
        """Where the box should be at ``seconds`` if it keeps its pace."""
        return _shifted(self.track.last_box, self.velocity, seconds - self.track.end_s)

    def moved(self, seconds: float, box: Box) -> None:
        dt = seconds - self.track.end_s
        if dt <= 0:
            return
        (old_x, old_y), (new_x, new_y) = self.track.last_box.center, box.center
        measured = ((new_x - old_x) / dt, (new_y - old_y) / dt)
        if self.steps > 1:  # smooth out the detector's jitter
            measured = (
                (self.velocity[0] + measured[0]) / 2,
                (self.velocity[1] + measured[1]) / 2,
            )
        self.velocity = measured
        self.steps += 1


class Tracker:
    """One camera's tracks. Feed it every frame motion or detection ran on, in time order."""

    def __init__(self, config: TrackConfig, zones: list[Zone] | None = None) -> None:
        self._config = config
        self._require = [_shape(zone) for zone in zones or [] if zone.mode == "require"]
        self._exclude = [_shape(zone) for zone in zones or [] if zone.mode == "exclude"]
        self._live: list[_LiveTrack] = []
        self._next_id = 1
        self._motion: deque[tuple[float, list[Box]]] = deque()

    @property
    def active(self) -> list[Track]:
        """Every track not yet ended, qualified or not (for live views and debugging)."""
        return [live.track for live in self._live]

    def update(
        self, seconds: float, detections: list[Detection], motion: list[Box] | None = None
    ) -> TrackerUpdate:
        """Match ``detections`` seen at ``seconds``; report tracks that qualified or ended.

        ``motion`` is the frame's motion regions, when motion ran on it (``None``: not
        looked at). Call it on every frame motion or detection ran on, with an empty
        list of detections where detection did not run, so tracks follow motion and end
        on time.
        """
        ended = self._end_quiet(seconds)
        if motion is not None:
            self._remember(seconds, motion)
        if motion:
            detections = [
                detection
                for detection in detections
                if detection.label != "person"
                or _explains(detection.box, motion, self._config.motion_shape)
            ]
        kept = [
            detection
            for detection in _faces_as_people(detections)
            if not _inside_any(self._exclude, detection.box.bottom_center)
        ]
        started: list[Track] = []
        continued: set[int] = set()
        for live, detection in self._match(kept, seconds):
            if live is None:
                live = _LiveTrack(self._new_track(seconds, detection), detection.box)
                self._live.append(live)
            else:
                live.moved(seconds, detection.box)
                live.track = self._continue(live.track, seconds, detection)
            continued.add(id(live))
            if not live.qualified and self._qualifies(live.track):
                live.qualified = True
                live.track = self._reach_back(live)
                started.append(live.track)
        if motion:
            for live in self._live:
                if live.qualified and id(live) not in continued:
                    self._follow_motion(live, seconds, motion)
        return TrackerUpdate(started=started, ended=ended)

    def flush(self, seconds: float) -> TrackerUpdate:
        """End every track: the input stopped at ``seconds``. Nothing new qualifies."""
        ended = self._end_quiet(seconds)
        ended += [live.track for live in self._live if live.qualified]
        self._live = []
        return TrackerUpdate(ended=ended)

    def _end_quiet(self, seconds: float) -> list[Track]:
        ended, still = [], []
        for live in self._live:
            if seconds - live.track.end_s > self._config.quiet_s:
                if live.qualified:
                    ended.append(live.track)
            else:
                still.append(live)
        self._live = still
        return ended

    def _remember(self, seconds: float, motion: list[Box]) -> None:
        self._motion.append((seconds, motion))
        while self._motion and self._motion[0][0] < seconds - LOOKBACK_S:
            self._motion.popleft()

    def _follow_motion(self, live: _LiveTrack, seconds: float, motion: list[Box]) -> None:
        """Motion where ``live`` should be keeps it alive, and the box follows the motion."""
        predicted = live.predicted(seconds)
        moving = _moving_part(predicted, motion)
        if moving is None:
            return
        box = _centred(predicted, _midpoint(predicted.center, moving.center))
        live.moved(seconds, box)
        live.track = dataclasses.replace(live.track, last_box=box, end_s=seconds)

    def _reach_back(self, live: _LiveTrack) -> Track:
        """The track, its start moved back over the motion that led to its first detection.

        From the first box, carried back at the track's pace, frame by frame through the
        remembered motion: each earlier frame with motion there moves the start back; a
        gap of more than ``quiet_s`` without, or the box leaving the frame, stops it.
        """
        track = live.track
        start = track.start_s
        for seconds, regions in reversed(self._motion):
            if seconds >= track.first_seen:
                continue
            if start - seconds > self._config.quiet_s:
                break
            where = _shifted(live.first_box, live.velocity, seconds - track.first_seen)
            if where.clipped().area <= 0:
                break
            if _moving_part(where, regions) is not None:
                start = seconds
        return dataclasses.replace(track, start_s=start)

    def _affinity(self, live: _LiveTrack, box: Box, seconds: float) -> float:
        """How well ``box`` continues the track: overlap with where it was or should be.

        A person crossing a frame in a few seconds moves more than a box width between
        detections at a few per second, so overlap alone would split one walk into many
        tracks: a box whose centre lies within one box width of where the track should be
        (half a width once its pace is known) still continues it, at the least acceptable
        affinity.
        """
        predicted = live.predicted(seconds)
        overlap = max(live.track.last_box.iou(box), predicted.iou(box))
        if overlap < self._config.iou:
            reach = predicted.expanded(1.0 if live.steps == 1 else 0.5)
            x, y = box.center
            if reach.x1 <= x <= reach.x2 and reach.y1 <= y <= reach.y2:
                return self._config.iou
        return overlap

    def _match(
        self, detections: list[Detection], seconds: float
    ) -> list[tuple[_LiveTrack | None, Detection]]:
        """Greedy matching, best affinity first: each track takes at most one detection."""
        pairs = sorted(
            (
                (self._affinity(live, detection.box, seconds), track_index, detection_index)
                for track_index, live in enumerate(self._live)
                for detection_index, detection in enumerate(detections)
                if live.track.label == detection.label
            ),
            reverse=True,
        )
        taken_tracks: set[int] = set()
        matched: dict[int, _LiveTrack] = {}
        for overlap, track_index, detection_index in pairs:
            if overlap < self._config.iou:
                break
            if track_index in taken_tracks or detection_index in matched:
                continue
            taken_tracks.add(track_index)
            matched[detection_index] = self._live[track_index]
        return [(matched.get(index), detection) for index, detection in enumerate(detections)]

    def _new_track(self, seconds: float, detection: Detection) -> Track:
        track = Track(
            id=self._next_id,
            label=detection.label,
            first_seen=seconds,
            last_seen=seconds,
            hits=1,
            top_score=detection.score,
            best_box=detection.box,
            best_seconds=seconds,
            last_box=detection.box,
            zones=self._zones_at(detection.box, ()),
            start_s=seconds,
            end_s=seconds,
        )
        self._next_id += 1
        return track

    def _continue(self, track: Track, seconds: float, detection: Detection) -> Track:
        better = detection.score > track.top_score
        return dataclasses.replace(
            track,
            last_seen=seconds,
            end_s=seconds,
            hits=track.hits + 1,
            top_score=detection.score if better else track.top_score,
            best_box=detection.box if better else track.best_box,
            best_seconds=seconds if better else track.best_seconds,
            last_box=detection.box,
            zones=self._zones_at(detection.box, track.zones),
        )

    def _zones_at(self, box: Box, entered: tuple[str, ...]) -> tuple[str, ...]:
        point = Point(box.bottom_center)
        new = tuple(
            name for name, shape in self._require if name not in entered and shape.covers(point)
        )
        return entered + new

    def _qualifies(self, track: Track) -> bool:
        return (
            track.hits >= self._config.min_frames
            and track.top_score >= self._config.min_score
            and (not self._require or bool(track.zones))
        )


def body_from_face(face: Box) -> Box:
    """The box of the body a face belongs to, clipped to the frame."""
    width, height = face.x2 - face.x1, face.y2 - face.y1
    x, _ = face.center
    top = face.y1 - BODY_ABOVE_FACE * height
    half = BODY_WIDTH_FACES * width / 2
    return Box(x - half, top, x + half, top + BODY_HEIGHT_FACES * height).clipped()


def _faces_as_people(detections: list[Detection]) -> list[Detection]:
    """Faces become people, unless a person detection of the frame holds the face."""
    people = [detection for detection in detections if detection.label == "person"]
    result = [detection for detection in detections if detection.label != "face"]
    for face in detections:
        if face.label != "face":
            continue
        x, y = face.box.center
        if any(
            p.box.x1 <= x <= p.box.x2 and p.box.y1 <= y <= (p.box.y1 + p.box.y2) / 2 for p in people
        ):
            continue
        result.append(Detection("person", face.score, body_from_face(face.box)))
    return result


def _explains(box: Box, motion: list[Box], shape: float) -> bool:
    """Whether a person's ``box`` could be what moves in the motion region around it: one
    at least ``shape`` (``TrackConfig.motion_shape``) as tall for its width as the box
    (none around, or one too large to be one thing: yes).

    A person-shaped window on a dog's or a cat's long body fails: the regions around
    HOG's hits on the generated set measured 0.25-0.58 for animals, 0.88 and more for
    people (tests/edge/test_track.py); the default, 0.7, lies between.
    """
    x, y = box.center
    around = [
        region for region in motion if region.x1 <= x <= region.x2 and region.y1 <= y <= region.y2
    ]
    if not around:
        return True
    region = max(around, key=lambda region: region.intersection(box).area)
    if region.area > MOTION_REGION_BOXES * box.area:
        return True  # not one thing's motion (leaf shadows, a crowd): it tells nothing
    return _tallness(region) >= shape * _tallness(box)


def _tallness(box: Box) -> float:
    return (box.y2 - box.y1) / max(box.x2 - box.x1, 1e-9)


def _moving_part(box: Box, motion: list[Box]) -> Box | None:
    """The bounding box of the motion inside ``box`` (within the frame), if it covers
    at least :data:`MOTION_COVER` of it; regions far larger than ``box`` don't count."""
    inside = box.clipped()
    if inside.area <= 0:
        return None
    largest = MOTION_REGION_BOXES * box.area
    parts = [inside.intersection(region) for region in motion if region.area <= largest]
    parts = [part for part in parts if part.area > 0]
    if sum(part.area for part in parts) < MOTION_COVER * inside.area:
        return None
    moving = parts[0]
    for part in parts[1:]:
        moving = moving.union(part)
    return moving


def _shifted(box: Box, velocity: tuple[float, float], dt: float) -> Box:
    dx, dy = velocity[0] * dt, velocity[1] * dt
    return Box(box.x1 + dx, box.y1 + dy, box.x2 + dx, box.y2 + dy)


def _centred(box: Box, center: tuple[float, float]) -> Box:
    x, y = box.center
    return _shifted(box, (center[0] - x, center[1] - y), 1.0)


def _midpoint(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)


def _shape(zone: Zone) -> tuple[str, ShapelyPolygon]:
    return zone.name, ShapelyPolygon(zone.polygon)


def _inside_any(shapes: list[tuple[str, ShapelyPolygon]], point: tuple[float, float]) -> bool:
    location = Point(point)
    return any(shape.covers(location) for _, shape in shapes)
