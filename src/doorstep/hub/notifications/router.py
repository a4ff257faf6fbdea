"""The caller's own notifications; nobody sees anyone else's."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from doorstep.hub.deps import CurrentUser, SessionDep
from doorstep.hub.notifications import service
from doorstep.hub.notifications.schemas import NotificationPublic
from doorstep.hub.params import PageLimit
from doorstep.hub.schemas import Page

router = APIRouter(prefix="/v1/me/notifications", tags=["notifications"])


@router.get("")
def list_notifications(
    user: CurrentUser,
    session: SessionDep,
    unread: Annotated[bool, Query(description="Only those not marked read.")] = False,
    limit: PageLimit = 100,
) -> Page[NotificationPublic]:
    rows = service.list_notifications(session, user=user, unread_only=unread, limit=limit)
    return Page(data=[NotificationPublic.model_validate(row) for row in rows], count=len(rows))


@router.post("/{notification_id}/read")
def mark_read(
    notification_id: uuid.UUID, user: CurrentUser, session: SessionDep
) -> NotificationPublic:
    row = service.mark_read(session, user=user, notification_id=notification_id)
    return NotificationPublic.model_validate(row)
