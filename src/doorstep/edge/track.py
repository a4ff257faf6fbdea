"""From detections to events: an IoU tracker with flicker suppression and zones.

A detection continues the live track of its label whose last box it overlaps most (IoU at
least ``TrackConfig.iou``); otherwise it starts a new track. Ids are small integers, stable
for a track's life and never reused by one :class:`Tracker` (events get UUIDs later, when
they are recorded).

A single frame is not an event: a track *qualifies* once it has ``min_frames``
detections, a top score of at least ``min_score`` and, when the camera has ``require``
zones, once its box's bottom-centre (where a person stands) has been inside one of them.
Detections standing in an ``exclude`` zone are dropped before tracking. A track ends once
it has gone ``max_gap_s`` unseen; only qualified tracks are reported, so flicker vanishes
silently.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from shapely.geometry import Point
from shapely.geometry import Polygon as ShapelyPolygon

from doorstep.edge.config import TrackConfig, Zone
from doorstep.edge.detect.base import Detection
from doorstep.edge.geometry import Box


@dataclass(frozen=True)
class Track:
    """A snapshot of a track, taken when it qualified or ended."""

    id: int
    label: str
    first_seen: float  # seconds, on the caller's clock
    last_seen: float
    hits: int
    top_score: float
    best_box: Box  # the box at the top score
    best_seconds: float  # when the top score was seen: the moment to take the snapshot at
    last_box: Box
    zones: tuple[str, ...] = ()  # require zones entered, in the order entered


@dataclass(frozen=True)
class TrackerUpdate:
    started: list[Track] = field(default_factory=list)  # just qualified as events
    ended: list[Track] = field(default_factory=list)  # qualified, and now gone


@dataclass
class _LiveTrack:
    track: Track
    qualified: bool = False
    # Smoothed velocity of the box centre, in frame fractions per second.
    velocity: tuple[float, float] = (0.0, 0.0)

    def predicted(self, seconds: float) -> Box:
        """Where the box should be at ``seconds`` if it keeps its pace."""
        dt = seconds - self.track.last_seen
        dx, dy = self.velocity[0] * dt, self.velocity[1] * dt
        box = self.track.last_box
        return Box(box.x1 + dx, box.y1 + dy, box.x2 + dx, box.y2 + dy)

    def moved(self, seconds: float, box: Box) -> None:
        dt = seconds - self.track.last_seen
        if dt <= 0:
            return
        (old_x, old_y), (new_x, new_y) = self.track.last_box.center, box.center
        measured = ((new_x - old_x) / dt, (new_y - old_y) / dt)
        if self.track.hits > 1:  # smooth out the detector's jitter
            measured = (
                (self.velocity[0] + measured[0]) / 2,
                (self.velocity[1] + measured[1]) / 2,
            )
        self.velocity = measured


class Tracker:
    """One camera's tracks. Feed it every frame detection ran on, in time order."""

    def __init__(self, config: TrackConfig, zones: list[Zone] | None = None) -> None:
        self._config = config
        self._require = [_shape(zone) for zone in zones or [] if zone.mode == "require"]
        self._exclude = [_shape(zone) for zone in zones or [] if zone.mode == "exclude"]
        self._live: list[_LiveTrack] = []
        self._next_id = 1

    @property
    def active(self) -> list[Track]:
        """Every track not yet ended, qualified or not (for live views and debugging)."""
        return [live.track for live in self._live]

    def update(self, seconds: float, detections: list[Detection]) -> TrackerUpdate:
        """Match ``detections`` seen at ``seconds``; report tracks that qualified or ended.

        Call it with an empty list on frames where detection did not run too (or at least
        now and then), so tracks end on time when nothing moves.
        """
        ended = self._end_unseen(seconds)
        kept = [
            detection
            for detection in detections
            if not _inside_any(self._exclude, detection.box.bottom_center)
        ]
        started: list[Track] = []
        for live, detection in self._match(kept, seconds):
            if live is None:
                live = _LiveTrack(self._new_track(seconds, detection))
                self._live.append(live)
            else:
                live.moved(seconds, detection.box)
                live.track = self._continue(live.track, seconds, detection)
            if not live.qualified and self._qualifies(live.track):
                live.qualified = True
                started.append(live.track)
        return TrackerUpdate(started=started, ended=ended)

    def flush(self, seconds: float) -> TrackerUpdate:
        """End every track: the input stopped at ``seconds``. Nothing new qualifies."""
        ended = self._end_unseen(seconds)
        ended += [live.track for live in self._live if live.qualified]
        self._live = []
        return TrackerUpdate(ended=ended)

    def _end_unseen(self, seconds: float) -> list[Track]:
        ended, still = [], []
        for live in self._live:
            if seconds - live.track.last_seen > self._config.max_gap_s:
                if live.qualified:
                    ended.append(live.track)
            else:
                still.append(live)
        self._live = still
        return ended

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
            reach = predicted.expanded(1.0 if live.track.hits == 1 else 0.5)
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
        )
        self._next_id += 1
        return track

    def _continue(self, track: Track, seconds: float, detection: Detection) -> Track:
        better = detection.score > track.top_score
        return dataclasses.replace(
            track,
            last_seen=seconds,
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


def _shape(zone: Zone) -> tuple[str, ShapelyPolygon]:
    return zone.name, ShapelyPolygon(zone.polygon)


def _inside_any(shapes: list[tuple[str, ShapelyPolygon]], point: tuple[float, float]) -> bool:
    location = Point(point)
    return any(shape.covers(location) for _, shape in shapes)
