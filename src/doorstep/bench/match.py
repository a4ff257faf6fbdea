"""``doorstep bench match``: which homes a request reaches, at up to a million cameras.

On each backend — a SQLite file in a temporary directory, and a throwaway schema on a
PostgreSQL server, made as ``doorstep bench audit`` makes them — and for each camera
count, the bench migrates an empty hub database and then:

1. **fills** it with homes, two cameras each, spread uniformly over a square city at
   ``CAMERAS_PER_KM2`` (1M cameras: 1,000 km², about Berlin's size), and one to three
   clips per camera of 10 s to 5 min, spread over the last 30 days. Rows go in by
   COPY on PostgreSQL and by ``executemany`` in big transactions on SQLite; then
   ``ANALYZE`` (on PostgreSQL ``VACUUM (ANALYZE)``, as autovacuum would after a load);
2. times ``requests`` requests **at the limits** — a 64-vertex circle of 0.4993 km²
   around a random point of the city, and a 12-hour window in the last 30 days —
   through the hub's ``match_homes``: ``p50_ms``, ``p99_ms``, with the homes matched,
   the cells in each cover and the cameras read from them (means);
3. the **baseline**, measured in the same run on the same session: one indexed
   lookup of the cameras in one resolution-10 cell (that of a random camera), the unit
   a match is made of: ``lookup_p50_ms``, ``lookup_p99_ms``. The ratio of the p50s is
   how many such lookups one match costs.

The goal is a PostgreSQL p99 under 10 ms at a million cameras.
"""

from __future__ import annotations

import math
import os
import platform
import random
import sqlite3
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy
from sqlalchemy import Table, insert, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from doorstep.bench.audit import DEFAULT_POSTGRES_URL, _database
from doorstep.hub.clips.models import Clip
from doorstep.hub.db import make_session_factory
from doorstep.hub.homes.models import Camera, Home
from doorstep.hub.homes.service import match_cell, public_cell
from doorstep.hub.requests.geometry import circle_area
from doorstep.hub.requests.matching import cover_cells, match_homes

GOAL_POSTGRES_P99_MS = 10.0
GOAL_CAMERAS = 1_000_000
BACKENDS = ("sqlite", "postgres")
CAMERAS_PER_KM2 = 1_000
CAMERAS_PER_HOME = 2
CLIPS_PER_CAMERA = (1, 3)
CLIP_SECONDS = (10, 300)
HISTORY = timedelta(days=30)
WINDOW = timedelta(hours=12)
REQUEST_RADIUS_M = 399.0  # a 64-vertex circle of 0.4993 km²: the 0.5 km² limit
CITY_CENTRE = (52.52, 13.405)
HOME_SPREAD_M = 15.0  # a home's cameras: this far from its point north-south and east-west
CHUNK = 20_000  # homes generated and written per transaction
WARM_UP = 20
MIN_LOOKUPS = 1_000
METRES_PER_DEGREE = 111_320.0
Report = Callable[[str], None]


@dataclass(frozen=True)
class MatchFigures:
    backend: str
    cameras: int
    homes: int
    clips: int
    area_km2: float
    fill_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    lookup_p50_ms: float
    lookup_p99_ms: float
    homes_mean: float
    cells_mean: float
    candidates_mean: float

    @property
    def lookups_per_match(self) -> float:
        return self.p50_ms / self.lookup_p50_ms if self.lookup_p50_ms > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "cameras": self.cameras,
            "homes": self.homes,
            "clips": self.clips,
            "area_km2": self.area_km2,
            "fill_s": self.fill_s,
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "max_ms": self.max_ms,
            "lookup_p50_ms": self.lookup_p50_ms,
            "lookup_p99_ms": self.lookup_p99_ms,
            "lookups_per_match": self.lookups_per_match,
            "homes_mean": self.homes_mean,
            "cells_mean": self.cells_mean,
            "candidates_mean": self.candidates_mean,
        }


@dataclass(frozen=True)
class MatchBenchResult:
    requests: int
    runs: list[MatchFigures]

    @property
    def goal_p99_ms(self) -> float | None:
        """PostgreSQL's p99 at a million cameras, when this run measured it."""
        for run in self.runs:
            if run.backend == "postgres" and run.cameras == GOAL_CAMERAS:
                return run.p99_ms
        return None

    @property
    def goal_met(self) -> bool | None:
        p99 = self.goal_p99_ms
        return None if p99 is None else p99 < GOAL_POSTGRES_P99_MS

    def as_json(self) -> dict[str, Any]:
        """Flat keys per backend and count (``postgres_p99_ms_1m``), then every run."""
        figures: dict[str, Any] = {}
        for run in self.runs:
            label = count_label(run.cameras)
            for key in ("p50_ms", "p99_ms", "lookup_p50_ms", "lookup_p99_ms", "homes_mean"):
                figures[f"{run.backend}_{key}_{label}"] = getattr(run, key)
        return {
            **figures,
            "goal_postgres_p99_ms_1m": GOAL_POSTGRES_P99_MS,
            "goal_met": self.goal_met,
            "requests": self.requests,
            "cameras_per_km2": CAMERAS_PER_KM2,
            "runs": [run.as_json() for run in self.runs],
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "sqlite": sqlite3.sqlite_version,
                "sqlalchemy": sqlalchemy.__version__,
            },
        }


def count_label(cameras: int) -> str:
    """``1_000_000`` -> ``"1m"``, ``100_000`` -> ``"100k"``, ``2_500`` -> ``"2500"``."""
    if cameras % 1_000_000 == 0:
        return f"{cameras // 1_000_000}m"
    if cameras % 1_000 == 0:
        return f"{cameras // 1_000}k"
    return str(cameras)


def run_match_bench(
    *,
    cameras: Sequence[int] = (100_000, GOAL_CAMERAS),
    requests: int = 200,
    backends: Sequence[str] = BACKENDS,
    postgres_url: str = DEFAULT_POSTGRES_URL,
    progress: Report | None = None,
) -> MatchBenchResult:
    report = progress or (lambda line: None)
    runs: list[MatchFigures] = []
    for backend in backends:
        for count in cameras:
            # The audit bench's helper names PostgreSQL in full.
            with _database("postgresql" if backend == "postgres" else backend, postgres_url) as db:
                runs.append(_bench(backend, db, cameras=count, requests=requests, report=report))
    return MatchBenchResult(requests=requests, runs=runs)


@dataclass(frozen=True)
class _City:
    """A square around ``CITY_CENTRE`` holding ``cameras`` at ``CAMERAS_PER_KM2``."""

    cameras: int

    @property
    def area_km2(self) -> float:
        return self.cameras / CAMERAS_PER_KM2

    def point(self, chooser: random.Random) -> tuple[float, float]:
        half_m = math.sqrt(self.area_km2) * 1_000 / 2
        return _offset(
            CITY_CENTRE, chooser.uniform(-half_m, half_m), chooser.uniform(-half_m, half_m)
        )


def _offset(point: tuple[float, float], north_m: float, east_m: float) -> tuple[float, float]:
    latitude, longitude = point
    return (
        latitude + north_m / METRES_PER_DEGREE,
        longitude + east_m / (METRES_PER_DEGREE * math.cos(math.radians(latitude))),
    )


def _bench(
    backend: str, engine: Engine, *, cameras: int, requests: int, report: Report
) -> MatchFigures:
    city = _City(cameras)
    now = datetime.now(UTC).replace(microsecond=0)
    chooser = random.Random(f"{backend}-{cameras}")
    began = time.perf_counter()
    homes, clips, cells = _fill(engine, city, now=now, chooser=chooser, report=report)
    report(f"{backend}: ANALYZE after loading {cameras:,} cameras")
    _analyze(engine)
    fill_s = time.perf_counter() - began

    areas = [circle_area(*city.point(chooser), REQUEST_RADIUS_M).polygon for _ in range(requests)]
    latest_end_s = (HISTORY - WINDOW).total_seconds()
    windows = [now - timedelta(seconds=chooser.uniform(0, latest_end_s)) for _ in areas]
    lookups = [chooser.choice(cells) for _ in range(max(requests, MIN_LOOKUPS))]
    report(f"{backend}: {requests:,} matches and {len(lookups):,} lookups at {cameras:,} cameras")
    camera_columns = (Camera.home_id, Camera.longitude, Camera.latitude)  # what a match reads
    matched: list[int] = []
    timings: list[float] = []
    lookup_timings: list[float] = []
    with make_session_factory(engine)() as session:
        for area, end in zip(areas[:WARM_UP], windows, strict=False):
            match_homes(session, polygon=area, window_start=end - WINDOW, window_end=end)
        for area, end in zip(areas, windows, strict=True):
            started = time.perf_counter()
            found = match_homes(session, polygon=area, window_start=end - WINDOW, window_end=end)
            timings.append(time.perf_counter() - started)
            matched.append(len(found))
        for cell in lookups:
            started = time.perf_counter()
            session.execute(select(*camera_columns).where(Camera.match_cell == cell)).all()
            lookup_timings.append(time.perf_counter() - started)
        covers = [cover_cells(area) for area in areas]
        candidates = [_cameras_in(session, cover) for cover in covers]
    p50, p99, slowest = _percentiles(timings)
    lookup_p50, lookup_p99, _ = _percentiles(lookup_timings)
    return MatchFigures(
        backend=backend,
        cameras=cameras,
        homes=homes,
        clips=clips,
        area_km2=city.area_km2,
        fill_s=fill_s,
        p50_ms=p50,
        p99_ms=p99,
        max_ms=slowest,
        lookup_p50_ms=lookup_p50,
        lookup_p99_ms=lookup_p99,
        homes_mean=statistics.fmean(matched),
        cells_mean=statistics.fmean(len(cover) for cover in covers),
        candidates_mean=statistics.fmean(candidates),
    )


def _cameras_in(session: Session, cells: list[str]) -> int:
    query = select(sqlalchemy.func.count()).where(Camera.match_cell.in_(cells))
    return int(session.scalar(query) or 0)


def _percentiles(timings: list[float]) -> tuple[float, float, float]:
    """p50, p99 and the slowest, in ms."""
    ordered = sorted(timings)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000, ordered[-1] * 1000


def _fill(
    engine: Engine, city: _City, *, now: datetime, chooser: random.Random, report: Report
) -> tuple[int, int, list[str]]:
    """Homes, cameras and clips for ``city``; returns the counts and some cameras' cells."""
    homes_total = math.ceil(city.cameras / CAMERAS_PER_HOME)
    clips_total = 0
    sample: list[str] = []
    write = _copy if engine.dialect.name == "postgresql" else _executemany
    for first in range(0, homes_total, CHUNK):
        count = min(CHUNK, homes_total - first)
        cameras_left = city.cameras - first * CAMERAS_PER_HOME
        homes, cameras, clips = _rows(city, count, cameras_left, now=now, chooser=chooser)
        with engine.begin() as connection:
            write(connection, Home.__table__, homes)  # type: ignore[arg-type]
            write(connection, Camera.__table__, cameras)  # type: ignore[arg-type]
            write(connection, Clip.__table__, clips)  # type: ignore[arg-type]
        clips_total += len(clips)
        sample += [camera["match_cell"] for camera in cameras[:: max(1, CHUNK // 50)]]
        done = first * CAMERAS_PER_HOME
        report(f"{engine.dialect.name}: filling, {done:,} of {city.cameras:,} cameras")
    return homes_total, clips_total, sample


def _rows(
    city: _City, homes: int, cameras_left: int, *, now: datetime, chooser: random.Random
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    home_rows: list[dict[str, Any]] = []
    camera_rows: list[dict[str, Any]] = []
    clip_rows: list[dict[str, Any]] = []
    history_s = HISTORY.total_seconds()
    for _ in range(homes):
        home_id = _uuid(chooser)
        home_rows.append(
            {
                "id": home_id,
                "name": "bench home",
                "retention_days": 30,
                "key_rotation_due": False,
                "created_at": now,
            }
        )
        point = city.point(chooser)
        for number in range(min(CAMERAS_PER_HOME, cameras_left - len(camera_rows))):
            spread = (chooser.uniform(-1, 1) * HOME_SPREAD_M for _ in range(2))
            latitude, longitude = _offset(point, *spread)
            camera_id = _uuid(chooser)
            camera_rows.append(
                {
                    "id": camera_id,
                    "home_id": home_id,
                    "name": f"camera {number + 1}",
                    "latitude": latitude,
                    "longitude": longitude,
                    "public_cell": public_cell(latitude, longitude),
                    "match_cell": match_cell(latitude, longitude),
                    "audio_enabled": False,
                    "created_at": now,
                }
            )
            for _ in range(chooser.randint(*CLIPS_PER_CAMERA)):
                ended = now - timedelta(seconds=chooser.uniform(0, history_s))
                length = timedelta(seconds=chooser.uniform(*CLIP_SECONDS))
                clip_rows.append(
                    {
                        "id": _uuid(chooser),
                        "home_id": home_id,
                        "camera_id": camera_id,
                        "device_id": None,
                        "started_at": ended - length,
                        "ended_at": ended,
                        "created_at": ended,
                    }
                )
    return home_rows, camera_rows, clip_rows


def _uuid(chooser: random.Random) -> uuid.UUID:
    return uuid.UUID(bytes=chooser.randbytes(16), version=4)


def _executemany(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """SQLite: one ``executemany`` through the column types, as the hub stores values."""
    connection.execute(insert(table), rows)


def _copy(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: COPY, which psycopg feeds row by row without a statement per row."""
    if not rows:
        return
    columns = list(rows[0])
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])


def _analyze(engine: Engine) -> None:
    """Table statistics for the planner; on PostgreSQL also the visibility map, so a
    covering index can answer without the table, as it would once autovacuum ran."""
    statement = "ANALYZE" if engine.dialect.name == "sqlite" else "VACUUM (ANALYZE)"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in ("homes", "cameras", "clips"):
            connection.execute(text(f"{statement} {table}"))
