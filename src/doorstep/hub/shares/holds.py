"""A live agency share holds its clips: the retention sweep waits until the share ends.

A share is live while the agency holds a key under it: not withdrawn, and not past its
``expires_at`` (which a granted extension moves), whether or not housekeeping has yet
recorded the expiry. Recording a share, the sweep's claim and the owner's deletion each
take the clip's lock first (:func:`lock_clip`), so they take turns and each sees what
the other committed: a clip is never shredded under a share being recorded.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, Exists, exists, update
from sqlalchemy.orm import Session

from doorstep.hub.clips.models import Clip
from doorstep.hub.shares.models import Share, SharedClip


def live(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Conditions on a ``SharedClip`` and its ``Share``: the agency holds the key at ``now``."""
    return (
        SharedClip.wrapped_key.is_not(None),
        Share.ended_at.is_(None),
        Share.expires_at > now,
    )


def held_by_live_share(now: datetime) -> Exists:
    """About a ``Clip`` row in the enclosing query: some agency holds a live share of it."""
    return exists().where(
        SharedClip.clip_id == Clip.id, Share.id == SharedClip.share_id, *live(now)
    )


def lock_clip(session: Session, clip_id: uuid.UUID) -> bool:
    """Lock the clip until this transaction ends; False if it is gone.

    A no-op UPDATE: the row lock on PostgreSQL, the write lock on SQLite. Whoever waited
    for it reads what the holder committed in their next statement.
    """
    locked = session.scalar(
        update(Clip)
        .where(Clip.id == clip_id)
        .values(ended_at=Clip.ended_at)
        .returning(Clip.id)
        .execution_options(synchronize_session=False)
    )
    return locked is not None
