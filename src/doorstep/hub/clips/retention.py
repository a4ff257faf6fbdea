"""Retention: clips past their home's ``retention_days`` are crypto-shredded.

A clip an agency holds a live share of is kept until that share ends (withdrawn or
expired; see :mod:`doorstep.hub.shares.holds`), and shredded by the next sweep after.

``shred_expired`` walks expired clips in batches and shreds each with
:func:`~doorstep.hub.clips.service.shred_clip` (wrapped keys first, then rows, commit,
then blobs). It also removes parts an edge uploaded but never committed once they are
seven days old, in the same order: rows deleted and committed, then their blobs, so a
failure leaves at worst an orphan ciphertext blob, never a row pointing at nothing.

Several hub workers may sweep at once: every clip and part is claimed with a write
(a clip: its lock, then a re-check that it is still past retention and held by no live
share), and one another worker took first is skipped.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import ColumnElement, delete, exists, select, tuple_
from sqlalchemy.orm import Session, sessionmaker

from doorstep.hub.background import in_thread
from doorstep.hub.clips.models import Clip, ClipPart
from doorstep.hub.clips.service import shred_clip
from doorstep.hub.db import utcnow
from doorstep.hub.homes.models import Home
from doorstep.hub.shares.holds import held_by_live_share, lock_clip
from doorstep.hub.storage.base import BlobStore

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# Parts an edge uploaded but has not committed within this long are abandoned.
UNCOMMITTED_PART_TTL = timedelta(days=7)
# The first sweep waits this long after start (or the interval, if shorter).
FIRST_SWEEP_DELAY_S = 60.0


def retention_cutoff(now: datetime, retention_days: int) -> datetime:
    """A clip that ended before this is past its home's retention."""
    return now - timedelta(days=retention_days)


@dataclass(frozen=True)
class RetentionReport:
    clips_shredded: int = 0
    parts_removed: int = 0


def shred_expired(
    sessions: sessionmaker[Session],
    *,
    storage: BlobStore,
    now: datetime,
    stop: threading.Event | None = None,
) -> RetentionReport:
    """Shred clips that ended more than their home's ``retention_days`` before ``now``,
    unless an agency holds a live share of them at ``now``.

    Also removes uncommitted parts created more than a day before ``now``. Setting
    ``stop`` ends the sweep after the clip or batch in hand (for a prompt shutdown).
    """
    stopping = stop.is_set if stop is not None else lambda: False
    clips = _shred_expired_clips(sessions, storage=storage, now=now, stopping=stopping)
    parts = _remove_stale_parts(sessions, storage=storage, now=now, stopping=stopping)
    report = RetentionReport(clips_shredded=clips, parts_removed=parts)
    if clips or parts:
        logger.info(
            "retention sweep: shredded %d expired clips, removed %d stale uncommitted parts",
            clips,
            parts,
        )
    return report


def _shred_expired_clips(
    sessions: sessionmaker[Session],
    *,
    storage: BlobStore,
    now: datetime,
    stopping: Callable[[], bool],
) -> int:
    with sessions() as session:
        retentions = list(session.scalars(select(Home.retention_days).distinct()))
    shredded = 0
    # One pass per retention period keeps the cutoff a plain bound on ended_at, on
    # every backend; homes share a handful of distinct periods.
    for days in sorted(retentions):
        expired = (
            Clip.home_id.in_(select(Home.id).where(Home.retention_days == days)),
            Clip.ended_at < retention_cutoff(now, days),
            ~held_by_live_share(now),
        )
        after: uuid.UUID | None = None
        while not stopping():
            query = select(Clip.id).where(*expired)
            if after is not None:
                query = query.where(Clip.id > after)
            with sessions() as session:
                batch = list(session.scalars(query.order_by(Clip.id).limit(BATCH_SIZE)))
                for clip_id in batch:
                    if stopping():
                        return shredded
                    clip = _claim_clip(session, clip_id, expired)
                    if clip is None:
                        session.rollback()
                        continue
                    shred_clip(
                        session, storage=storage, clip=clip, actor=None, action="clip.shredded"
                    )
                    shredded += 1
            if len(batch) < BATCH_SIZE:
                break
            after = batch[-1]
    return shredded


def _claim_clip(
    session: Session, clip_id: uuid.UUID, expired: tuple[ColumnElement[bool], ...]
) -> Clip | None:
    """Lock the clip for this transaction if it still qualifies; None if it does not, or is gone.

    The lock is the one recording a share or deleting the clip takes (so nothing shred_clip
    deletes can vanish under it); the re-check after it is a statement of its own, so it
    sees a share committed meanwhile (one UPDATE on PostgreSQL would keep its older snapshot).
    """
    if not lock_clip(session, clip_id):
        return None
    return session.scalar(
        select(Clip).where(Clip.id == clip_id, *expired).execution_options(populate_existing=True)
    )


def _remove_stale_parts(
    sessions: sessionmaker[Session],
    *,
    storage: BlobStore,
    now: datetime,
    stopping: Callable[[], bool],
) -> int:
    cutoff = now - UNCOMMITTED_PART_TTL
    key = tuple_(ClipPart.home_id, ClipPart.clip_id, ClipPart.part)
    stale = (ClipPart.created_at < cutoff, ~exists().where(Clip.id == ClipPart.clip_id))
    removed = 0
    after: tuple[uuid.UUID, uuid.UUID, str] | None = None
    while not stopping():
        query = select(ClipPart.home_id, ClipPart.clip_id, ClipPart.part).where(*stale)
        if after is not None:
            query = query.where(key > after)
        with sessions() as session:
            batch = [
                (home_id, clip_id, str(part))
                for home_id, clip_id, part in session.execute(
                    query.order_by(*key.clauses).limit(BATCH_SIZE)
                )
            ]
            blob_keys = []
            for home_id, clip_id, part in batch:
                # Deleted only if still stale: a worker may have removed it, or the edge
                # committed its clip, since the batch was read.
                blob_key = session.scalar(
                    delete(ClipPart)
                    .where(
                        ClipPart.home_id == home_id,
                        ClipPart.clip_id == clip_id,
                        ClipPart.part == part,
                        *stale,
                    )
                    .returning(ClipPart.blob_key)
                    .execution_options(synchronize_session=False)
                )
                if blob_key is not None:
                    blob_keys.append(blob_key)
            session.commit()
        for blob_key in blob_keys:
            storage.delete(blob_key)
        removed += len(blob_keys)
        if len(batch) < BATCH_SIZE:
            break
        after = batch[-1]
    return removed


async def sweep_periodically(
    sessions: sessionmaker[Session],
    *,
    storage: BlobStore,
    interval_s: float,
    stop: threading.Event,
) -> None:
    """Run :func:`shred_expired` in a worker thread every ``interval_s`` seconds, forever.

    A failed sweep is logged and the next one runs on schedule. Cancelling waits for a
    sweep in progress, which ``stop`` (set before cancelling) cuts short.
    """
    await asyncio.sleep(min(interval_s, FIRST_SWEEP_DELAY_S))
    while True:
        try:
            await in_thread(
                partial(shred_expired, sessions, storage=storage, now=utcnow(), stop=stop)
            )
        except Exception:
            logger.exception("retention sweep failed; retrying in %s s", interval_s)
        await asyncio.sleep(interval_s)
