"""A notification to one person, shown from ``visible_from`` on (a delayed notice waits)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.hub.db import Base, CreatedMixin, IdMixin


class Notification(IdMixin, CreatedMixin, Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_visible", "user_id", "visible_from"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    # The request, share or demand it is about.
    subject_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    message: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(default=False)
    visible_from: Mapped[datetime]
    read_at: Mapped[datetime | None] = mapped_column(default=None)
