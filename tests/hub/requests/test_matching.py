"""Which homes a request reaches: a camera in the area and a clip in the window."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import h3
import pytest
import shapely
from annotated_types import Le
from shapely.geometry import MultiPolygon, Polygon, box
from sqlalchemy.orm import Session

from doorstep.edge.config import RecordConfig
from doorstep.hub.clips.models import MAX_CLIP_SECONDS, Clip
from doorstep.hub.db import make_engine, make_session_factory
from doorstep.hub.homes.models import Camera, Home
from doorstep.hub.homes.service import MATCH_CELL_RESOLUTION, match_cell, public_cell
from doorstep.hub.requests.geometry import circle_area
from doorstep.hub.requests.matching import cover_cells, match_homes

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
END = START + timedelta(hours=2)
# A square of about 340 × 330 m in Berlin: it crosses a few dozen resolution-10 cells.
WEST, SOUTH, EAST, NORTH = 13.400, 52.520, 13.405, 52.523
AREA = box(WEST, SOUTH, EAST, NORTH)
CENTRE = ((SOUTH + NORTH) / 2, (WEST + EAST) / 2)
NUDGE = 1e-6  # degrees, about 7 cm east-west and 11 cm north-south here


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


def add_home(session: Session) -> Home:
    home = Home(name="home")
    session.add(home)
    session.flush()
    return home


def add_camera(session: Session, home: Home, latitude: float, longitude: float) -> Camera:
    camera = Camera(
        home_id=home.id,
        name="porch",
        latitude=latitude,
        longitude=longitude,
        public_cell=public_cell(latitude, longitude),
        match_cell=match_cell(latitude, longitude),
    )
    session.add(camera)
    session.flush()
    return camera


def add_clip(session: Session, camera: Camera, started_at: datetime, ended_at: datetime) -> None:
    session.add(
        Clip(
            id=uuid.uuid4(),
            home_id=camera.home_id,
            camera_id=camera.id,
            started_at=started_at,
            ended_at=ended_at,
        )
    )
    session.flush()


def recording_home(
    session: Session, latitude: float, longitude: float, clip: tuple[datetime, datetime]
) -> Home:
    home = add_home(session)
    add_clip(session, add_camera(session, home, latitude, longitude), *clip)
    return home


def match(session: Session, area: Polygon | MultiPolygon = AREA) -> list[uuid.UUID]:
    return match_homes(session, polygon=area, window_start=START, window_end=END)


@pytest.mark.parametrize(
    "clip",
    [
        pytest.param((START + timedelta(minutes=10), START + timedelta(minutes=11)), id="within"),
        pytest.param((START - timedelta(minutes=1), START + timedelta(seconds=1)), id="over-start"),
        pytest.param((END - timedelta(seconds=1), END + timedelta(minutes=5)), id="over-end"),
        pytest.param((START - timedelta(minutes=1), END + timedelta(minutes=1)), id="around"),
        # As long as the edge's longest clip, ending a second into the window.
        pytest.param(
            (START - timedelta(seconds=3_719), START + timedelta(seconds=1)), id="longest-clip"
        ),
    ],
)
def test_a_camera_inside_with_a_clip_overlapping_the_window_matches(
    session: Session, clip: tuple[datetime, datetime]
) -> None:
    home = recording_home(session, *CENTRE, clip)

    assert match(session) == [home.id]


@pytest.mark.parametrize(
    "clip",
    [
        pytest.param((START - timedelta(minutes=5), START - timedelta(minutes=4)), id="before"),
        pytest.param((END + timedelta(minutes=4), END + timedelta(minutes=5)), id="after"),
        pytest.param((START - timedelta(minutes=1), START), id="ends-at-start"),
        pytest.param((END, END + timedelta(minutes=1)), id="starts-at-end"),
    ],
)
def test_a_camera_inside_whose_clip_misses_the_window_does_not_match(
    session: Session, clip: tuple[datetime, datetime]
) -> None:
    recording_home(session, *CENTRE, clip)

    assert match(session) == []


@pytest.mark.parametrize(
    ("latitude", "longitude", "matched"),
    [
        pytest.param(NORTH, CENTRE[1], True, id="on-north-edge"),
        pytest.param(SOUTH, WEST, True, id="on-corner"),
        pytest.param(CENTRE[0], EAST, True, id="on-east-edge"),
        pytest.param(NORTH + NUDGE, CENTRE[1], False, id="just-north"),
        pytest.param(SOUTH - NUDGE, WEST - NUDGE, False, id="just-past-corner"),
        pytest.param(CENTRE[0], EAST + NUDGE, False, id="just-east"),
    ],
)
def test_a_camera_on_the_boundary_matches_and_one_just_beyond_it_does_not(
    session: Session, latitude: float, longitude: float, matched: bool
) -> None:
    """The boundary is inside: a camera on the line the agency drew is in its area."""
    home = recording_home(session, latitude, longitude, (START, START + timedelta(minutes=1)))

    assert match(session) == ([home.id] if matched else [])


def test_cameras_in_cells_that_only_cross_the_boundary_match(session: Session) -> None:
    """Cells whose centre lies outside the area still hold cameras inside it."""
    centre_cells = set(h3.polygon_to_cells(h3.LatLngPoly(_ring(AREA)), MATCH_CELL_RESOLUTION))
    # Points just inside each edge, every 10 m or so, keeping those in an edge-only cell.
    edge = shapely.line_interpolate_point(
        AREA.exterior, [step * 0.0001 for step in range(int(AREA.exterior.length / 0.0001))]
    )
    inside = [
        (
            float(point.y) + (NUDGE if point.y == SOUTH else -NUDGE if point.y == NORTH else 0.0),
            float(point.x) + (NUDGE if point.x == WEST else -NUDGE if point.x == EAST else 0.0),
        )
        for point in edge
    ]
    boundary_cameras = [
        (lat, lon) for lat, lon in inside if match_cell(lat, lon) not in centre_cells
    ]
    assert len({match_cell(lat, lon) for lat, lon in boundary_cameras}) >= 5
    homes = {recording_home(session, lat, lon, (START, END)).id for lat, lon in boundary_cameras}

    assert match(session) == sorted(homes)
    assert len(cover_cells(AREA)) > len(centre_cells)


def test_a_home_with_two_matching_cameras_is_listed_once_and_homes_come_sorted(
    session: Session,
) -> None:
    two_cameras = add_home(session)
    for latitude in (SOUTH + 0.0005, NORTH - 0.0005):
        camera = add_camera(session, two_cameras, latitude, CENTRE[1])
        add_clip(session, camera, START, START + timedelta(minutes=2))
    others = [recording_home(session, *CENTRE, (START, END)).id for _ in range(4)]
    quiet = add_home(session)  # a camera inside, no clip at all
    add_camera(session, quiet, *CENTRE)
    away = recording_home(session, NORTH + 0.01, CENTRE[1], (START, END))  # 1 km north

    matched = match(session)

    assert matched == sorted([two_cameras.id, *others])
    assert quiet.id not in matched and away.id not in matched


def test_a_multipolygon_reaches_cameras_in_each_part(session: Session) -> None:
    north = recording_home(session, NORTH + 0.0100, CENTRE[1], (START, END))
    south = recording_home(session, SOUTH - 0.0100, CENTRE[1], (START, END))
    between = recording_home(session, *CENTRE, (START, END))
    parts = MultiPolygon(
        [
            box(WEST, NORTH + 0.009, EAST, NORTH + 0.011),
            box(WEST, SOUTH - 0.011, EAST, SOUTH - 0.009),
        ]
    )

    assert match(session, parts) == sorted([north.id, south.id])
    assert between.id not in match(session, parts)


def test_an_empty_window_matches_nothing(session: Session) -> None:
    recording_home(session, *CENTRE, (START, END))

    assert match_homes(session, polygon=AREA, window_start=END, window_end=START) == []
    assert match_homes(session, polygon=AREA, window_start=START, window_end=START) == []


def test_the_cover_holds_the_cell_of_every_point_on_a_request_circle() -> None:
    area = circle_area(52.52, 13.40, 398).polygon  # about 0.5 km², the limit
    cells = set(cover_cells(area))
    ring = area.exterior
    points = shapely.line_interpolate_point(
        ring, [ring.length * step / 2_000 for step in range(2_000)]
    )

    assert all(match_cell(point.y, point.x) in cells for point in points)
    assert 40 <= len(cells) <= 70  # 0.5 km² of 0.015 km² cells, plus the boundary's


def test_the_clip_bound_covers_the_longest_clip_the_edge_can_record() -> None:
    def upper(field: str) -> float:
        limits = RecordConfig.model_fields[field].metadata
        value = next(limit.le for limit in limits if isinstance(limit, Le))
        assert isinstance(value, int | float)
        return float(value)

    longest = upper("pre_roll_s") + upper("max_event_s") + upper("post_roll_s")

    assert MAX_CLIP_SECONDS >= longest


def _ring(polygon: Polygon) -> list[tuple[float, float]]:
    return [(lat, lon) for lon, lat in polygon.exterior.coords[:-1]]
