"""A camera's clips written as data, and what its timeline must say about them.

``CLIPS``: name, start (UTC), length in seconds, and the parts stored (c clip, s snapshot,
d details). ``OTHER_CAMERA`` clips belong to the home's second camera and must never show.
``CASES``: query, then the bucket length, the buckets holding clips (bucket start: count)
and, for windows of a day or less, the clips listed, by name, in order.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from doorstep.hub.clips.models import Clip, ClipPart

PART_LETTERS = {"c": "clip", "s": "snapshot", "d": "details"}


@dataclass(frozen=True)
class SpecClip:
    name: str
    start: str  # ISO 8601, UTC
    seconds: int
    parts: str = "csd"

    @property
    def started_at(self) -> datetime:
        return datetime.fromisoformat(self.start).replace(tzinfo=UTC)

    def sizes(self) -> dict[str, int]:
        """Distinct sizes per clip and part, so a swapped row shows."""
        base = 1_000 * (sum(map(ord, self.name)) % 97 + 1)
        return {PART_LETTERS[p]: base + i for i, p in enumerate(self.parts)}


CLIPS = (
    SpecClip("eve-late", "2026-11-19T23:59:59", 8),
    SpecClip("first", "2026-11-20T00:00:00", 10),
    SpecClip("same-minute", "2026-11-20T00:00:59", 5),
    SpecClip("no-snapshot", "2026-11-20T00:01:00", 5, "cd"),
    SpecClip("pair-a", "2026-11-20T09:30:15", 30),
    SpecClip("pair-b", "2026-11-20T09:30:15", 30),
    SpecClip("morning", "2026-11-20T09:59:59", 12),
    SpecClip("evening", "2026-11-20T19:05:00", 40),
    SpecClip("last-second", "2026-11-20T23:59:59", 8),
    SpecClip("next-day", "2026-11-21T00:00:00", 8),
    SpecClip("weekend", "2026-11-22T14:20:00", 60),
    SpecClip("week-end", "2026-11-26T23:59:59", 5),
    SpecClip("too-late", "2026-11-27T00:00:00", 5),
)
OTHER_CAMERA = (
    SpecClip("other-1", "2026-11-20T09:30:20", 10),
    SpecClip("other-2", "2026-11-20T23:00:00", 10),
)
DAY = {"start": "2026-11-20T00:00:00+00:00", "end": "2026-11-21T00:00:00+00:00"}
DAY_LIST = [
    "first",
    "same-minute",
    "no-snapshot",
    "pair-a|pair-b",  # the same start: in id order, whichever that is
    "morning",
    "evening",
    "last-second",
]


@dataclass(frozen=True)
class Case:
    name: str
    query: dict[str, Any]
    bucket: int
    buckets: dict[str, int]
    clips: list[str] | None


CASES = (
    Case(
        "day by the hour",
        DAY | {"bucket": 3600},
        3600,
        {
            "2026-11-20T00:00:00+00:00": 3,
            "2026-11-20T09:00:00+00:00": 3,
            "2026-11-20T19:00:00+00:00": 1,
            "2026-11-20T23:00:00+00:00": 1,
        },
        DAY_LIST,
    ),
    Case(
        "day by the minute",
        DAY | {"bucket": 60},
        60,
        {
            "2026-11-20T00:00:00+00:00": 2,
            "2026-11-20T00:01:00+00:00": 1,
            "2026-11-20T09:30:00+00:00": 2,
            "2026-11-20T09:59:00+00:00": 1,
            "2026-11-20T19:05:00+00:00": 1,
            "2026-11-20T23:59:00+00:00": 1,
        },
        DAY_LIST,
    ),
    Case(
        "a day chooses 15 minutes",
        DAY,
        900,
        {
            "2026-11-20T00:00:00+00:00": 3,
            "2026-11-20T09:30:00+00:00": 2,
            "2026-11-20T09:45:00+00:00": 1,
            "2026-11-20T19:00:00+00:00": 1,
            "2026-11-20T23:45:00+00:00": 1,
        },
        DAY_LIST,
    ),
    Case(
        "a local day two hours ahead of UTC",
        {"start": "2026-11-20T00:00:00+02:00", "end": "2026-11-21T00:00:00+02:00", "bucket": 86400},
        86400,
        {"2026-11-19T22:00:00+00:00": 8},
        ["eve-late", "first", "same-minute", "no-snapshot", "pair-a|pair-b", "morning", "evening"],
    ),
    Case(
        "an hour by the minute",
        {"start": "2026-11-20T09:30:00Z", "end": "2026-11-20T10:30:00Z", "bucket": 60},
        60,
        {"2026-11-20T09:30:00+00:00": 2, "2026-11-20T09:59:00+00:00": 1},
        ["pair-a|pair-b", "morning"],
    ),
    Case(
        "a week chooses hours and lists no clips",
        {"start": "2026-11-20T00:00:00Z", "end": "2026-11-27T00:00:00Z"},
        3600,
        {
            "2026-11-20T00:00:00+00:00": 3,
            "2026-11-20T09:00:00+00:00": 3,
            "2026-11-20T19:00:00+00:00": 1,
            "2026-11-20T23:00:00+00:00": 1,
            "2026-11-21T00:00:00+00:00": 1,
            "2026-11-22T14:00:00+00:00": 1,
            "2026-11-26T23:00:00+00:00": 1,
        },
        None,
    ),
    Case(
        "a week by the day",
        {"start": "2026-11-20T00:00:00Z", "end": "2026-11-27T00:00:00Z", "bucket": 86400},
        86400,
        {
            "2026-11-20T00:00:00+00:00": 8,
            "2026-11-21T00:00:00+00:00": 1,
            "2026-11-22T00:00:00+00:00": 1,
            "2026-11-26T00:00:00+00:00": 1,
        },
        None,
    ),
    Case(
        "an empty window",
        {"start": "2026-11-24T00:00:00Z", "end": "2026-11-24T06:00:00Z"},
        300,
        {},
        [],
    ),
)


def seed(
    session: Session, *, home_id: uuid.UUID, camera_id: uuid.UUID, clips: Iterable[SpecClip]
) -> dict[str, uuid.UUID]:
    """Insert the clips' rows as a commit leaves them; returns their ids by name."""
    ids = {clip.name: uuid.uuid4() for clip in clips}
    clip_rows, part_rows = [], []
    for clip in clips:
        clip_rows.append(
            {
                "id": ids[clip.name],
                "home_id": home_id,
                "camera_id": camera_id,
                "device_id": None,
                "started_at": clip.started_at,
                "ended_at": clip.started_at + timedelta(seconds=clip.seconds),
                "created_at": clip.started_at,
            }
        )
        for part, size in clip.sizes().items():
            part_rows.append(
                {
                    "home_id": home_id,
                    "clip_id": ids[clip.name],
                    "part": part,
                    "blob_key": f"spec/{ids[clip.name]}/{part}",
                    "size": size,
                    "sha256": "0" * 64,
                    "created_at": clip.started_at,
                }
            )
    session.execute(insert(Clip), clip_rows)
    session.execute(insert(ClipPart), part_rows)
    return ids


def expected_clips(names: list[str], ids: dict[str, uuid.UUID]) -> list[uuid.UUID]:
    """The ids in listing order: names joined by '|' share a start and go in id order."""
    ordered: list[uuid.UUID] = []
    for entry in names:
        ordered += sorted(ids[name] for name in entry.split("|"))
    return ordered


BY_NAME = {clip.name: clip for clip in CLIPS}
