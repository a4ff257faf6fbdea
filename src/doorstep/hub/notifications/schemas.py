"""Notification schemas."""

from __future__ import annotations

import uuid
from datetime import datetime

from doorstep.hub.schemas import PublicModel


class NotificationPublic(PublicModel):
    id: uuid.UUID
    kind: str
    subject_id: uuid.UUID | None
    message: str
    urgent: bool
    visible_from: datetime
    read_at: datetime | None
