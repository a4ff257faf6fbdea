"""``doorstep bench web``: what the web app's pages wait for, each against a baseline.

One throwaway hub serves every measurement: a resident with a home and cameras, on a
throwaway PostgreSQL schema (or a SQLite file), served by uvicorn in a thread on
127.0.0.1. Each measurement is a function ``(hub, options, report) -> figures`` in
``MEASUREMENTS``; the command runs them in order and reports every figure they return.
To add one, write the function and append it there (and give its options a field).

- **timeline** (``measure_timeline``): ``options.clips`` clips for one camera over the
  last 30 days, bulk-inserted (COPY on PostgreSQL), then ``options.samples`` GET
  ``/v1/cameras/{id}/timeline`` for random camera-days (whole UTC days: buckets and
  the first page of clips, as the timeline page asks): ``timeline_p50_ms``,
  ``timeline_p99_ms``. The baseline, in the same run through the same HTTP stack and
  connection: GET ``/readyz``, whose work is a ``SELECT 1`` on the same pool (and a
  look at the storage and the bus): ``baseline_p50_ms``, ``baseline_p99_ms``. The goal is
  a timeline p99 under 50 ms on PostgreSQL at 100,000 clips per camera.
- **playback** (``measure_playback`` in bench/web_playback.py): click to first decoded
  frame in Chromium, a 16 MB sealed clip through static/player.js against the same clip
  unsealed from a plain URL: ``playback_sealed_ms``, ``playback_plain_ms``,
  ``playback_ratio`` (goal at most 1.5).
"""

from __future__ import annotations

import random
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from doorstep.bench.api import hub_config, seed_hub
from doorstep.bench.audit import DEFAULT_POSTGRES_URL, _database
from doorstep.bench.match import _copy, _executemany
from doorstep.errors import DoorstepError
from doorstep.hub.app import create_app
from doorstep.hub.clips.models import Clip, ClipPart
from doorstep.hub.homes.models import Camera
from doorstep.local_server import serve_in_thread

GOAL_TIMELINE_P99_MS = 50.0
GOAL_CLIPS = 100_000
HISTORY_DAYS = 30
CLIP_SECONDS = (10, 120)
PART_SIZES = {"clip": (200_000, 8_000_000), "snapshot": (20_000, 80_000), "details": (2_100, 2_100)}
CHUNK = 20_000  # clips generated and written per transaction
WARM_UP = 10
Report = Callable[[str], None]


@dataclass(frozen=True)
class WebBenchOptions:
    clips: int = GOAL_CLIPS
    samples: int = 300
    database_url: str = DEFAULT_POSTGRES_URL  # a PostgreSQL server, or "sqlite"
    seed: int = 22
    playback_mb: float = 16.0  # part (b): the clip's size (bench/web_playback.py)
    playback_runs: int = 5  # part (b): runs of each, sealed and plain


@dataclass(frozen=True)
class WebHub:
    """The served hub every measurement uses, and what it was seeded with."""

    url: str
    token: str
    home_id: uuid.UUID
    camera_id: uuid.UUID
    engine: Engine
    backend: str
    data_dir: Path

    def client(self) -> httpx.Client:
        """A keep-alive client signed in as the seeded resident."""
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30.0)


Measurement = Callable[[WebHub, WebBenchOptions, Report], dict[str, Any]]


@dataclass(frozen=True)
class WebBenchResult:
    backend: str
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def timeline_goal_met(self) -> bool | None:
        p99 = self.figures.get("timeline_p99_ms")
        if p99 is None or self.backend != "postgresql" or self.figures["clips"] < GOAL_CLIPS:
            return None
        return bool(p99 < GOAL_TIMELINE_P99_MS)

    def as_json(self) -> dict[str, Any]:
        return {
            **self.figures,
            "backend": self.backend,
            "goal_timeline_p99_ms": GOAL_TIMELINE_P99_MS,
            "timeline_goal_met": self.timeline_goal_met,
        }


def run_web_bench(
    options: WebBenchOptions | None = None,
    *,
    measurements: tuple[Measurement, ...] | None = None,
    progress: Report | None = None,
) -> WebBenchResult:
    """Seed and serve a throwaway hub, run each measurement, collect their figures."""
    options = options or WebBenchOptions()
    report = progress or (lambda line: None)
    backend = "sqlite" if options.database_url.startswith("sqlite") else "postgresql"
    figures: dict[str, Any] = {}
    with served_hub(backend, options.database_url, report) as hub:
        for measure in measurements or MEASUREMENTS:
            figures |= measure(hub, options, report)
    return WebBenchResult(backend=backend, figures=figures)


@contextmanager
def served_hub(backend: str, postgres_url: str, report: Report) -> Iterator[WebHub]:
    with (
        TemporaryDirectory(prefix="doorstep-bench-web-") as tmp,
        _database(backend, postgres_url) as engine,
    ):
        data_dir = Path(tmp)
        settings, _ = hub_config(data_dir)
        url = engine.url.render_as_string(hide_password=False)
        settings = settings.model_copy(update={"database_url": url})
        report(f"{backend}: seeding a resident with a home and cameras")
        token = seed_hub(settings)
        with engine.connect() as connection:
            camera = connection.execute(select(Camera.id, Camera.home_id).limit(1)).one()
        with serve_in_thread(create_app(settings), lifespan="on", name="the bench's hub") as url:
            yield WebHub(
                url=url,
                token=token,
                home_id=camera.home_id,
                camera_id=camera.id,
                engine=engine,
                backend=backend,
                data_dir=data_dir,
            )


def measure_timeline(hub: WebHub, options: WebBenchOptions, report: Report) -> dict[str, Any]:
    """The timeline of random camera-days at ``options.clips`` clips, against GET /readyz."""
    chooser = random.Random(options.seed)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    began = time.perf_counter()
    fill_clips(hub, options.clips, today=today, chooser=chooser, report=report)
    fill_s = time.perf_counter() - began
    path = f"/v1/cameras/{hub.camera_id}/timeline"
    days = [today - timedelta(days=chooser.randrange(HISTORY_DAYS)) for _ in range(options.samples)]
    timings: list[float] = []
    baseline: list[float] = []
    listed: list[int] = []
    with hub.client() as client:
        for day in days[:WARM_UP]:
            _get(client, path, _day(day))
            _get(client, "/readyz", {})
        report(f"{hub.backend}: {options.samples} camera-days and as many GET /readyz")
        for day in days:
            started = time.perf_counter()
            body = _get(client, path, _day(day))
            timings.append(time.perf_counter() - started)
            listed.append(body["total"])
            started = time.perf_counter()
            _get(client, "/readyz", {})
            baseline.append(time.perf_counter() - started)
    p50, p99 = percentiles(timings)
    baseline_p50, baseline_p99 = percentiles(baseline)
    return {
        "clips": options.clips,
        "samples": options.samples,
        "fill_s": fill_s,
        "clips_per_day_mean": statistics.fmean(listed),
        "timeline_p50_ms": p50,
        "timeline_p99_ms": p99,
        "baseline_p50_ms": baseline_p50,
        "baseline_p99_ms": baseline_p99,
        "timeline_to_baseline_p99": p99 / baseline_p99 if baseline_p99 > 0 else 0.0,
    }


def _day(day: datetime) -> dict[str, str]:
    return {"start": day.isoformat(), "end": (day + timedelta(days=1)).isoformat()}


def _get(client: httpx.Client, path: str, params: dict[str, str]) -> dict[str, Any]:
    response = client.get(path, params=params)
    if response.status_code != 200:
        raise DoorstepError(f"GET {path} answered {response.status_code}: {response.text[:200]}")
    body: dict[str, Any] = response.json()
    return body


def percentiles(timings: list[float]) -> tuple[float, float]:
    """p50 and p99 in ms (the 99th percentile by rank: of 100 samples, the 99th)."""
    ordered = sorted(timings)
    p99 = ordered[min(len(ordered) - 1, max(0, round(len(ordered) * 0.99) - 1))]
    return statistics.median(ordered) * 1000, p99 * 1000


def fill_clips(
    hub: WebHub, clips: int, *, today: datetime, chooser: random.Random, report: Report
) -> None:
    """``clips`` clips of the hub's camera over the last 30 days, with their three parts."""
    write = _copy if hub.backend == "postgresql" else _executemany
    history_s = HISTORY_DAYS * 86_400
    first_day = today - timedelta(days=HISTORY_DAYS - 1)
    for first in range(0, clips, CHUNK):
        clip_rows, part_rows = [], []
        for _ in range(min(CHUNK, clips - first)):
            clip_id = uuid.UUID(bytes=chooser.randbytes(16), version=4)
            started = first_day + timedelta(seconds=chooser.uniform(0, history_s))
            clip_rows.append(
                {
                    "id": clip_id,
                    "home_id": hub.home_id,
                    "camera_id": hub.camera_id,
                    "device_id": None,
                    "started_at": started,
                    "ended_at": started + timedelta(seconds=chooser.uniform(*CLIP_SECONDS)),
                    "created_at": started,
                }
            )
            for part, sizes in PART_SIZES.items():
                part_rows.append(
                    {
                        "home_id": hub.home_id,
                        "clip_id": clip_id,
                        "part": part,
                        "blob_key": f"bench/{clip_id}/{part}",
                        "size": chooser.randint(*sizes),
                        "sha256": "0" * 64,
                        "created_at": started,
                    }
                )
        with hub.engine.begin() as connection:
            write(connection, Clip.__table__, clip_rows)  # type: ignore[arg-type]
            write(connection, ClipPart.__table__, part_rows)  # type: ignore[arg-type]
        report(f"{hub.backend}: filled {first + len(clip_rows):,} of {clips:,} clips")
    statement = "ANALYZE" if hub.backend == "sqlite" else "VACUUM (ANALYZE)"
    with hub.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in ("clips", "clip_parts"):
            connection.execute(text(f"{statement} {table}"))


from doorstep.bench.web_playback import measure_playback  # noqa: E402 (it types with this module)

MEASUREMENTS: tuple[Measurement, ...] = (measure_timeline, measure_playback)
