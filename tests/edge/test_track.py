"""The tracker turns detections into events: stable ids, flicker suppressed, gaps, zones."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from doorstep.edge.config import HogDetector, MotionConfig, TrackConfig, Zone, load_edge_config
from doorstep.edge.detect.base import Detection
from doorstep.edge.detect.hog import HogPersonDetector
from doorstep.edge.geometry import Box
from doorstep.edge.motion.detector import MotionDetector
from doorstep.edge.synthetic import Walker, scene
from doorstep.edge.track import Track, Tracker

CONFIG = TrackConfig(iou=0.3, min_frames=3, min_score=0.5, quiet_s=2.0)


def person(x: float, score: float = 0.9, *, y: float = 0.3, label: str = "person") -> Detection:
    """A person-shaped box 0.1 wide and 0.5 tall, left edge at ``x``, feet at ``y + 0.5``."""
    return Detection(label, score, Box(x, y, x + 0.1, y + 0.5))


def run(tracker: Tracker, frames: list[tuple[float, list[Detection]]]) -> tuple[list[Track], ...]:
    started: list[Track] = []
    ended: list[Track] = []
    for seconds, detections in frames:
        update = tracker.update(seconds, detections)
        started += update.started
        ended += update.ended
    return started, ended


def test_a_walking_person_keeps_one_id_and_becomes_one_event() -> None:
    tracker = Tracker(CONFIG)
    frames = [(step * 0.2, [person(0.1 + step * 0.02, 0.6 + step * 0.01)]) for step in range(10)]

    started, ended = run(tracker, frames)

    assert [track.id for track in tracker.active] == [1]
    assert len(started) == 1 and started[0].hits == 3  # qualified on the third detection
    assert started[0].first_seen == 0.0 and started[0].last_seen == pytest.approx(0.4)
    assert ended == []
    (track,) = tracker.flush(2.0).ended
    assert (track.id, track.hits, track.last_seen) == (1, 10, pytest.approx(1.8))
    assert track.top_score == pytest.approx(0.69)
    assert track.best_seconds == pytest.approx(1.8)  # the snapshot moment: the top score
    assert track.best_box == person(0.28).box
    assert tracker.active == []


def test_flicker_and_low_scores_never_become_events() -> None:
    tracker = Tracker(CONFIG)
    flicker = [(0.0, [person(0.1)]), (0.2, [person(0.11)])]  # two frames, min_frames is 3
    faint = [(5.0 + step * 0.2, [person(0.6, score=0.45)]) for step in range(8)]

    started, ended = run(tracker, [*flicker, *faint, (20.0, [])])

    assert started == [] and ended == []
    assert tracker.active == []


def test_a_track_ends_after_max_gap_unseen_and_reports_its_last_sighting() -> None:
    tracker = Tracker(CONFIG)
    run(tracker, [(step * 0.2, [person(0.2)]) for step in range(5)])  # last seen at 0.8

    assert tracker.update(2.8, []).ended == []  # 2.0 s unseen: not yet more than quiet_s
    (ended,) = tracker.update(2.9, []).ended

    assert ended.last_seen == pytest.approx(0.8)
    assert tracker.active == []
    # Back after the gap: a new track, with a new id.
    run(tracker, [(3.0 + step * 0.2, [person(0.2)]) for step in range(3)])
    assert [track.id for track in tracker.active] == [2]


def test_two_people_are_two_tracks_and_labels_do_not_mix() -> None:
    tracker = Tracker(CONFIG)
    frames = [
        (
            step * 0.2,
            [person(0.1 + step * 0.01), person(0.7 - step * 0.01), person(0.1, label="dog")],
        )
        for step in range(4)
    ]

    started, _ = run(tracker, frames)

    assert sorted((track.id, track.label) for track in started) == [
        (1, "person"),
        (2, "person"),
        (3, "dog"),
    ]
    left, right = sorted(started[:2], key=lambda track: track.best_box.x1)
    assert left.best_box.x1 < 0.2 < 0.5 < right.best_box.x1


def test_require_zone_counts_a_track_only_once_it_stands_inside() -> None:
    door = Zone(name="door", polygon=((0.5, 0.6), (1.0, 0.6), (1.0, 1.0), (0.5, 1.0)))
    tracker = Tracker(CONFIG, [door])
    # Feet at y 0.8: bottom-centre x is x + 0.05, inside the door zone once x > 0.45.
    outside = [(step * 0.2, [person(0.1 + step * 0.05)]) for step in range(6)]  # x up to 0.35
    inside = [(1.2 + step * 0.2, [person(0.4 + step * 0.05)]) for step in range(3)]

    started_outside, _ = run(tracker, outside)
    started_inside, _ = run(tracker, inside)

    assert started_outside == []
    (track,) = started_inside
    assert track.id == 1 and track.zones == ("door",)
    assert track.first_seen == 0.0  # the event starts when the person was first seen


def test_exclude_zone_drops_detections_standing_in_it() -> None:
    road = Zone(
        name="road", polygon=((0.0, 0.0), (0.5, 0.0), (0.5, 1.0), (0.0, 1.0)), mode="exclude"
    )
    tracker = Tracker(CONFIG, [road])
    frames = [(step * 0.2, [person(0.1), person(0.7)]) for step in range(4)]

    started, _ = run(tracker, frames)

    assert [track.best_box.x1 for track in started] == [0.7]
    assert len(tracker.active) == 1


def _pipeline_events(
    walkers: list[Walker], brightness_changes: list[tuple[float, float]] | None = None
) -> list[Track]:
    """Motion on a 160 px grey frame, HOG at 5 fps on its regions, then the tracker."""
    fps, detect_fps = 10, 5.0
    motion = MotionDetector(MotionConfig(width=160))
    detector = HogPersonDetector(HogDetector(fps=detect_fps))
    tracker = Tracker(TrackConfig())
    events: list[Track] = []
    next_detection = 0.0
    frames = scene(
        width=640,
        height=360,
        fps=fps,
        duration_s=20,
        walkers=walkers,
        brightness_changes=brightness_changes,
    )
    for index, frame in enumerate(frames):
        seconds = index / fps
        small = cv2.resize(frame, (160, 90), interpolation=cv2.INTER_AREA)
        regions = motion.update(np.asarray(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)))
        detections: list[Detection] = []
        if regions and seconds >= next_detection:
            next_detection = seconds + 1 / detect_fps
            detections = detector.detect(frame, regions)
        events += tracker.update(seconds, detections).ended
    return events + tracker.flush(20.0).ended


def test_pipeline_turns_one_walker_into_one_event() -> None:
    events = _pipeline_events([Walker(enter_s=4.0, exit_s=9.0)])

    assert len(events) == 1
    assert 4.0 <= events[0].first_seen <= 5.0
    assert 8.0 <= events[0].last_seen <= 9.0


def test_pipeline_ignores_a_brightness_jump_in_a_static_scene() -> None:
    assert _pipeline_events([], brightness_changes=[(8.0, 1.6)]) == []


def test_a_fast_walker_stays_one_track() -> None:
    # 0.1 wide boxes moving 0.12 per detection: they never overlap the last box, but each
    # lands where the walk so far says it should.
    tracker = Tracker(TrackConfig(min_frames=3))
    frames = [(step * 0.2, [person(0.05 + 0.12 * step)]) for step in range(7)]
    frames.append((4.0, []))  # more than quiet_s later: the track ends

    started, ended = run(tracker, frames)

    assert len(started) == 1
    assert [track.hits for track in ended] == [7]


def test_people_far_apart_stay_two_tracks() -> None:
    tracker = Tracker(TrackConfig(min_frames=2))
    frames = [(step * 0.2, [person(0.1), person(0.7)]) for step in range(3)]

    started, _ = run(tracker, frames)

    assert len(started) == 2
    assert len({track.id for track in started}) == 2


# -- tracks that last the visit: motion between detections, faces as a person signal -----

STEP = 0.2  # seconds between the frames these tests feed


def walk(step: int) -> Detection:
    """A walker moving 0.02 of the frame per step (0.1 per second), left edge 0.1 at step 0."""
    return person(0.1 + 0.02 * step)


def moving_at(step: int, offset: float = 0.0) -> list[Box]:
    """Motion where the walker of :func:`walk` is at ``step`` (shifted by ``offset``)."""
    box = walk(step).box
    return [Box(box.x1 + 0.01 + offset, box.y1 + 0.05, box.x2 - 0.01 + offset, box.y2)]


def spans(tracker: Tracker, frames: list[tuple[float, list[Detection], list[Box]]]) -> list:
    """Feed (seconds, detections, motion) frames, then flush; the ended tracks' spans."""
    ended: list[Track] = []
    for seconds, detections, motion in frames:
        ended += tracker.update(seconds, detections, motion).ended
    ended += tracker.flush(frames[-1][0]).ended
    return [(track.id, track.start_s, track.end_s) for track in ended]


# Each case: detections on some steps of a 40-step (8 s) walk, motion on some steps,
# and the event spans (start, end) expected, in seconds.
VISIT_CASES = {
    # Detected for 1 s, then only motion where the walker goes: one event for all 8 s.
    "motion carries the track": (range(0, 5), range(0, 40), 0.0, [(0.0, 7.8)]),
    # Motion stops at 5 s: the track ends there, not at its last detection (0.8 s).
    "ends with the motion": (range(0, 5), range(0, 26), 0.0, [(0.0, 5.0)]),
    # Motion far from where the walker should be (0.5 of the frame off): no evidence.
    "motion elsewhere is no evidence": (range(0, 5), range(0, 40), 0.5, [(0.0, 0.8)]),
    # A gap in the motion shorter than quiet_s (2 s) is bridged, a longer one is not: the
    # next detection (at 7 s) is a new event, starting when its motion did (4.4 s).
    "short gap bridged": (range(0, 5), [*range(0, 15), *range(24, 40)], 0.0, [(0.0, 7.8)]),
    "long gap ends it": (
        [*range(0, 5), *range(35, 40)],
        [*range(0, 10), *range(22, 40)],
        0.0,
        [(0.0, 1.8), (4.4, 7.8)],
    ),
    # Motion leading up to the first detection (at 2 s) starts the event when it started.
    "start reaches back over motion": (range(10, 15), range(3, 20), 0.0, [(0.6, 3.8)]),
}


@pytest.mark.parametrize("case", VISIT_CASES, ids=list(VISIT_CASES))
def test_a_track_lives_on_motion_where_the_person_should_be(case: str) -> None:
    detected, moving, offset, expected = VISIT_CASES[case]
    frames = [
        (
            round(step * STEP, 3),
            [walk(step)] if step in detected else [],
            moving_at(step, offset) if step in moving else [],
        )
        for step in range(40)
    ]
    found = spans(Tracker(CONFIG), frames)
    assert [(start, end) for _, start, end in found] == [
        (pytest.approx(start), pytest.approx(end)) for start, end in expected
    ]


def test_motion_far_larger_than_the_person_is_no_evidence() -> None:
    # Leaf shadows moving over most of the frame (0.8 of it, the box is 0.05): the track
    # ends quiet_s after its last detection, as if nothing moved.
    leaves = [Box(0.0, 0.1, 1.0, 0.9)]
    frames = [
        (round(step * STEP, 3), [walk(step)] if step < 5 else [], leaves) for step in range(30)
    ]
    assert spans(Tracker(CONFIG), frames) == [(1, 0.0, pytest.approx(0.8))]


# A person-shaped box (0.1 by 0.5) in motion regions of other shapes, as (x1, y1, x2, y2):
# the measured regions around HOG's hits on the generated set were at least 0.88 of the
# box's height-to-width for people and at most 0.58 for a cat and a dog.
SHAPE_CASES = {
    "a person's own motion": ((0.11, 0.35, 0.19, 0.8), True),
    "a dog's long body under the box": ((0.0, 0.45, 0.4, 0.75), False),
    "a cat, twice the box": ((0.05, 0.5, 0.3, 0.8), False),
    "leaves over most of the frame: no judgement": ((0.0, 0.1, 1.0, 0.9), True),
    "no motion around the box: no judgement": ((0.6, 0.3, 0.7, 0.8), True),
}


@pytest.mark.parametrize("case", SHAPE_CASES, ids=list(SHAPE_CASES))
def test_a_person_detection_must_explain_its_motion(case: str) -> None:
    region, event = SHAPE_CASES[case]
    frames = [(step * STEP, [person(0.1)], [Box(*region)]) for step in range(5)]
    expected = [(1, 0.0, pytest.approx(0.8))] if event else []
    assert spans(Tracker(CONFIG), frames) == expected


def test_the_motion_shape_check_can_be_turned_off() -> None:
    # With an ONNX person model, which labels a dog a dog: a person pushing a pram.
    region, _ = SHAPE_CASES["a dog's long body under the box"]
    frames = [(step * STEP, [person(0.1)], [Box(*region)]) for step in range(5)]
    tracker = Tracker(TrackConfig(motion_shape=0))
    assert spans(tracker, frames) == [(1, 0.0, pytest.approx(0.8))]


def test_motion_alone_never_keeps_flicker_alive() -> None:
    # Two detections (min_frames is 3), motion all along, a third detection 3 s later:
    # the flicker ended after quiet_s unseen, so the third starts a new, unqualified track.
    frames = [
        (round(step * STEP, 3), [walk(step)] if step in (0, 1, 16) else [], moving_at(step))
        for step in range(20)
    ]
    assert spans(Tracker(CONFIG), frames) == []


def test_the_track_follows_a_person_who_stops_at_the_door() -> None:
    # Walks for 1 s (detected), stops at x 0.2 and stands there swaying for 6 s (motion,
    # no detection): the prediction must not walk away from them.
    frames: list[tuple[float, list[Detection], list[Box]]] = [
        (round(step * STEP, 3), [walk(step)], moving_at(step)) for step in range(5)
    ]
    frames += [(round(step * STEP, 3), [], moving_at(5)) for step in range(5, 35)]
    assert spans(Tracker(CONFIG), frames) == [(1, 0.0, pytest.approx(6.8))]


def face(x: float, y: float = 0.3, size: float = 0.05, score: float = 0.9) -> Detection:
    return Detection("face", score, Box(x, y, x + size, y + size))


def test_faces_alone_make_a_person_event() -> None:
    # A close-up at the door: only faces, big and still.
    frames = [(step * STEP, [face(0.4, 0.2, size=0.3)]) for step in range(5)]

    started, _ = run(tracker := Tracker(CONFIG), frames)

    (track,) = started
    assert track.label == "person" and track.hits == 3
    # The body below the face: three faces wide (0.9, centred on the face at 0.55), from
    # a little above the face (0.3 of its height) down to the bottom of the frame.
    assert track.last_box == Box(pytest.approx(0.1), pytest.approx(0.11), 1.0, 1.0)
    assert [t.label for t in tracker.active] == ["person"]


def test_a_face_inside_a_person_box_is_the_same_person() -> None:
    # HOG finds the walker on every other frame, the face detector on every frame: one
    # track, one hit per frame, never a second track for the face.
    frames = []
    for step in range(10):
        body = walk(step)
        head = face(body.box.x1 + 0.025, body.box.y1 + 0.01)
        frames.append((step * STEP, [body, head] if step % 2 == 0 else [head]))

    started, _ = run(tracker := Tracker(CONFIG), frames)

    assert len(started) == 1
    (track,) = tracker.active
    assert track.hits == 10 and track.label == "person"


def test_a_config_written_with_max_gap_s_still_loads_as_quiet_s(tmp_path: Path) -> None:
    config = tmp_path / "edge.toml"
    config.write_text(
        '[[cameras]]\nid = "6f1c1c1e-0000-4000-8000-000000000001"\nname = "Door"\n'
        'source = { type = "file", path = "door.mp4" }\n[cameras.track]\nmax_gap_s = 3.5\n'
    )
    assert load_edge_config(config).cameras[0].track.quiet_s == 3.5
    assert TrackConfig().quiet_s == 2.0
