"""Tell people things: a request reached their home, a share arrived, a legal demand.

A notification is written in the transaction of the action it reports and shown from
``visible_from`` on, so a notice delayed by a court order appears exactly when the
delay ends, with no job that has to run on time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.errors import NotFound
from doorstep.hub.accounts.models import User
from doorstep.hub.db import utcnow
from doorstep.hub.notifications.models import Notification


def notify(
    session: Session,
    *,
    user_ids: Iterable[uuid.UUID],
    kind: str,
    message: str,
    subject_id: uuid.UUID | None = None,
    urgent: bool = False,
    visible_from: datetime | None = None,
) -> list[Notification]:
    now = utcnow()
    rows = [
        Notification(
            user_id=user_id,
            kind=kind,
            subject_id=subject_id,
            message=message,
            urgent=urgent,
            visible_from=visible_from or now,
        )
        for user_id in dict.fromkeys(user_ids)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def list_notifications(
    session: Session,
    *,
    user: User,
    unread_only: bool = False,
    limit: int = 100,
    now: datetime | None = None,
) -> list[Notification]:
    """The caller's notifications that are due at ``now``, newest first."""
    query = (
        select(Notification)
        .where(Notification.user_id == user.id, Notification.visible_from <= (now or utcnow()))
        .order_by(Notification.visible_from.desc(), Notification.id)
        .limit(limit)
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.scalars(query))


def mark_read(session: Session, *, user: User, notification_id: uuid.UUID) -> Notification:
    row = session.get(Notification, notification_id)
    if row is None or row.user_id != user.id or row.visible_from > utcnow():
        raise NotFound(f"notification {notification_id} not found")
    if row.read_at is None:
        row.read_at = utcnow()
    return row
