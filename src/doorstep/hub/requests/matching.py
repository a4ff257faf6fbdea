"""Which homes a request reaches: a camera inside its area that recorded during its window.

The same steps on SQLite and PostgreSQL, with no spatial extension:

1. cover the area with H3 resolution-10 cells — every cell that overlaps it, so a
   camera near the edge is found even when its cell's centre lies outside;
2. one statement reads the cameras whose ``match_cell`` is one of those cells (an
   indexed lookup per cell) and that have a clip overlapping the window
   ``[window_start, window_end)`` (an EXISTS that stops at each camera's first such
   clip, on ``ix_clips_camera_started``);
3. keep those whose exact point is inside the area. The boundary counts as inside
   (shapely's ``covers``, tested with ``intersects_xy``): a camera exactly on the line
   the agency drew is in the area it drew.

Testing the points after the clip check gives the same homes as before it, and saves
a second round trip that would bind every inside camera's id: it costs the clip probes
of the cameras in boundary cells that turn out to be outside (about a quarter more),
and measured about twice as fast at a million cameras (docs/benchmarks.md).

The hub refuses clips longer than ``MAX_CLIP_SECONDS`` (``clips.service``), so each
camera's probe reads the index over a bounded range of ``started_at`` instead of every
clip before the window's end; the range it adds is small next to a window of up to
12 hours.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import h3
import shapely
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import ARRAY, ColumnElement, String, any_, bindparam, exists, select
from sqlalchemy.orm import Session

from doorstep.hub.clips.models import MAX_CLIP_SECONDS, Clip
from doorstep.hub.homes.models import Camera
from doorstep.hub.homes.service import MATCH_CELL_RESOLUTION


def cover_cells(polygon: Polygon | MultiPolygon) -> list[str]:
    """The resolution-10 cells that overlap ``polygon`` (lon/lat), sorted.

    Cells that only cross the boundary are included: a camera's ``match_cell`` is the
    cell its point lies in, and a point inside the area may lie in such a cell.
    """
    parts = polygon.geoms if isinstance(polygon, MultiPolygon) else [polygon]
    cells: set[str] = set()
    for part in parts:
        if part.is_empty:
            continue
        shape = h3.LatLngPoly(
            _lat_lng(part.exterior.coords), *(_lat_lng(ring.coords) for ring in part.interiors)
        )
        # Experimental in h3-py 4.x (from 4.2), and the only mode that counts overlap.
        cells.update(
            h3.polygon_to_cells_experimental(shape, MATCH_CELL_RESOLUTION, contain="overlap")
        )
    return sorted(cells)


def match_homes(
    session: Session,
    *,
    polygon: Polygon | MultiPolygon,
    window_start: datetime,
    window_end: datetime,
) -> list[uuid.UUID]:
    """The homes with a camera in ``polygon`` and a clip overlapping the window, sorted.

    A clip overlaps ``[window_start, window_end)`` when it starts before the window
    ends and ends after the window starts: a clip that ends exactly at
    ``window_start`` or starts exactly at ``window_end`` does not. Each home is
    listed once, however many of its cameras match.
    """
    if window_end <= window_start:
        return []
    cells = cover_cells(polygon)
    if not cells:
        return []
    postgres = session.get_bind().dialect.name == "postgresql"
    earliest_start = window_start - timedelta(seconds=MAX_CLIP_SECONDS)
    recorded = exists().where(
        Clip.camera_id == Camera.id,
        Clip.started_at > earliest_start,
        Clip.started_at < window_end,
        Clip.ended_at > window_start,
    )
    cameras = session.execute(
        select(Camera.home_id, Camera.longitude, Camera.latitude).where(
            _one_of(Camera.match_cell, cells, postgres=postgres), recorded
        )
    ).all()
    if not cameras:
        return []
    inside = shapely.intersects_xy(
        polygon, [camera.longitude for camera in cameras], [camera.latitude for camera in cameras]
    )
    return sorted({camera.home_id for camera, keep in zip(cameras, inside, strict=True) if keep})


def _one_of(column: Any, values: Sequence[str], *, postgres: bool) -> ColumnElement[bool]:
    """``column IN values``: one array parameter on PostgreSQL, so the statement's text
    (and the driver's prepared statement) is the same whatever the number of values."""
    if postgres:
        condition: ColumnElement[bool] = column == any_(
            bindparam(None, list(values), type_=ARRAY(String()))
        )
        return condition
    condition = column.in_(values)
    return condition


def _lat_lng(coords: Any) -> list[tuple[float, float]]:
    """A shapely ring's (lon, lat) points as H3's (lat, lng), without the closing point."""
    return [(lat, lng) for lng, lat, *_ in list(coords)[:-1]]
