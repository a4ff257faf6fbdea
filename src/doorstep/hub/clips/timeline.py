"""A camera's timeline: how many clips started in each bucket of a window, and the clips.

The hub counts what it stores in clear: when each clip started. What an event was
(person, car, package) is in the sealed details part, so a bucket holds a count, not
counts per label; the browser opens the details of the clips it lists.

A window holds the clips that *started* in it, ``start <= started_at < end``, so a
clip is in exactly one bucket of one window. Buckets are fixed lengths of whole
seconds counted from ``start`` (the caller chooses where a day begins by choosing
``start``). Both queries read the clips index by ``camera_id`` and ``started_at``
(docs/benchmarks.md, bench web); buckets are counted by the database, per bucket.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, case, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from doorstep.errors import InvalidInput
from doorstep.hub.accounts.models import User
from doorstep.hub.clips.models import Clip, ClipPart, PartName
from doorstep.hub.db import UTCDateTime, utcnow
from doorstep.hub.homes.service import get_camera

# Bucket lengths in seconds: a minute, 5 and 15 minutes, an hour, 3 hours, a day.
BUCKETS = (60, 300, 900, 3_600, 10_800, 86_400)
MAX_WINDOW = timedelta(days=8)  # a week, whatever day it starts on, plus a day's slack
# Windows up to a day list their clips too: 25 hours, the day summer time ends.
CLIPS_WINDOW = timedelta(hours=25)
MAX_BUCKETS = 2_880  # e.g. two days by the minute; 8 days by 5 minutes is 2,304
AUTO_BUCKETS = 200  # without ``bucket``: the shortest that makes at most this many
DEFAULT_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class Bucket:
    start: datetime
    count: int


@dataclass(frozen=True)
class TimelineClip:
    id: uuid.UUID
    started_at: datetime
    ended_at: datetime
    sizes: dict[str, int]  # part name -> bytes, for the parts stored

    @property
    def has_snapshot(self) -> bool:
        return PartName.SNAPSHOT.value in self.sizes


@dataclass(frozen=True)
class Timeline:
    camera_id: uuid.UUID
    home_id: uuid.UUID
    start: datetime
    end: datetime
    bucket: int
    bucket_count: int
    buckets: list[Bucket]  # the buckets holding clips, in order; the others hold none
    clips: list[TimelineClip] | None  # None when the window is longer than a day
    next_after: uuid.UUID | None  # pass as ``after`` for the next clips

    @property
    def total(self) -> int:
        return sum(bucket.count for bucket in self.buckets)


class bucket_start(FunctionElement[datetime]):  # noqa: N801 (a SQL function's name)
    """``bucket_start(time, origin, seconds)``: where the bucket holding ``time`` begins,
    buckets being ``seconds`` long from ``origin``, in whole seconds, on either backend."""

    type = UTCDateTime()
    inherit_cache = True


@compiles(bucket_start, "postgresql")
def _bucket_postgresql(element: bucket_start, compiler: Any, **kw: Any) -> str:
    # date_bin works on the timestamps' integers: several times cheaper per row than
    # the numeric EXTRACT(EPOCH ...) arithmetic.
    moment, origin, seconds = (compiler.process(c, **kw) for c in element.clauses)
    return f"date_bin(CAST({seconds} AS INTEGER) * INTERVAL '1 second', {moment}, {origin})"


@compiles(bucket_start, "sqlite")
def _bucket_sqlite(element: bucket_start, compiler: Any, **kw: Any) -> str:
    # SQLite holds UTC times as text; strftime('%s') gives whole seconds since 1970.
    moment, origin, seconds = (compiler.process(c, **kw) for c in element.clauses)
    start = f"CAST(strftime('%s', {origin}) AS INTEGER)"
    offset = f"(CAST(strftime('%s', {moment}) AS INTEGER) - {start})"
    return f"datetime({start} + {offset} / {seconds} * {seconds}, 'unixepoch')"


def window(
    start: datetime | None, end: datetime | None, *, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """The window asked for, in whole UTC seconds: by default the day up to now."""
    try:
        if end is None:
            end = start + DEFAULT_WINDOW if start is not None else (now or utcnow())
        if start is None:
            start = end - DEFAULT_WINDOW
    except OverflowError:
        field = "start" if start is not None else "end"
        raise InvalidInput(f"{field}: too near the end of the calendar", field=field) from None
    start, end = (moment.astimezone(UTC).replace(microsecond=0) for moment in (start, end))
    if end <= start:
        raise InvalidInput(
            f"end: must be after start ({start.isoformat()}); got {end.isoformat()}",
            field="end",
        )
    if end - start > MAX_WINDOW:
        raise InvalidInput(
            f"end: a timeline window may span at most {MAX_WINDOW.days} days; "
            f"{start.isoformat()} to {end.isoformat()} spans {_days(end - start)}",
            field="end",
        )
    return start, end


def choose_bucket(start: datetime, end: datetime, bucket: int | None) -> tuple[int, int]:
    """The bucket length (chosen when None) and how many buckets the window holds."""
    seconds = (end - start).total_seconds()
    if bucket is None:
        fitting = (size for size in BUCKETS if math.ceil(seconds / size) <= AUTO_BUCKETS)
        bucket = next(fitting, BUCKETS[-1])
    elif bucket not in BUCKETS:
        allowed = ", ".join(str(size) for size in BUCKETS)
        raise InvalidInput(f"bucket: one of {allowed} seconds, not {bucket}", field="bucket")
    count = math.ceil(seconds / bucket)
    if count > MAX_BUCKETS:
        raise InvalidInput(
            f"bucket: {bucket} s makes {count:,} buckets of this window; at most "
            f"{MAX_BUCKETS:,} (choose a longer bucket or a shorter window)",
            field="bucket",
        )
    return bucket, count


def camera_timeline(
    session: Session,
    *,
    user: User,
    camera_id: uuid.UUID,
    start: datetime | None = None,
    end: datetime | None = None,
    bucket: int | None = None,
    after: uuid.UUID | None = None,
    limit: int = 100,
) -> Timeline:
    """The clips per bucket of the window, and its clips when the window is a day at most."""
    camera = get_camera(session, user=user, camera_id=camera_id)
    start, end = window(start, end)
    size, count = choose_bucket(start, end, bucket)
    in_window = and_(Clip.camera_id == camera.id, Clip.started_at >= start, Clip.started_at < end)
    # One bind parameter object each, so SELECT and GROUP BY read as the same expression.
    begins = bucket_start(
        Clip.started_at, literal(start, UTCDateTime()), literal(size, Integer())
    ).label("begins")
    rows = session.execute(
        select(begins, func.count()).where(in_window).group_by(begins).order_by(begins)
    ).all()
    buckets = [Bucket(moment, int(n)) for moment, n in rows]
    clips: list[TimelineClip] | None = None
    next_after = None
    if end - start <= CLIPS_WINDOW:
        clips = _clips(session, camera.home_id, in_window, after=after, limit=limit + 1)
        if len(clips) > limit:
            clips = clips[:limit]
            next_after = clips[-1].id
    elif after is not None:
        raise InvalidInput(
            "after: clips are listed only for windows of a day (25 hours) or less", field="after"
        )
    return Timeline(
        camera_id=camera.id,
        home_id=camera.home_id,
        start=start,
        end=end,
        bucket=size,
        bucket_count=count,
        buckets=buckets,
        clips=clips,
        next_after=next_after,
    )


def _clips(
    session: Session, home_id: uuid.UUID, in_window: Any, *, after: uuid.UUID | None, limit: int
) -> list[TimelineClip]:
    """Up to ``limit`` clips of the window after the clip ``after``, oldest first, with sizes."""
    query = select(Clip.id, Clip.started_at, Clip.ended_at).where(in_window)
    if after is not None:
        previous = session.execute(
            select(Clip.started_at).where(in_window, Clip.id == after)
        ).scalar_one_or_none()
        if previous is None:
            raise InvalidInput(
                f"after: clip {after} is not one of this window's clips", field="after"
            )
        query = query.where(
            Clip.started_at >= previous,
            or_(Clip.started_at > previous, Clip.id > after),
        )
    page = query.order_by(Clip.started_at, Clip.id).limit(limit).subquery()
    sizes = [
        func.max(case((ClipPart.part == name.value, ClipPart.size))).label(name.value)
        for name in PartName
    ]
    joined = (
        select(page.c.id, page.c.started_at, page.c.ended_at, *sizes)
        .select_from(page)
        .outerjoin(ClipPart, and_(ClipPart.home_id == home_id, ClipPart.clip_id == page.c.id))
        .group_by(page.c.id, page.c.started_at, page.c.ended_at)
        .order_by(page.c.started_at, page.c.id)
    )
    names = [name.value for name in PartName]
    return [
        TimelineClip(
            id=clip_id,
            started_at=started_at,
            ended_at=ended_at,
            sizes={
                name: int(size) for name, size in zip(names, sizes, strict=True) if size is not None
            },
        )
        for clip_id, started_at, ended_at, *sizes in session.execute(joined)
    ]


def _days(span: timedelta) -> str:
    return f"{span.total_seconds() / 86_400:g} days"
