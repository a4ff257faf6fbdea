"""Legal demands on the operator, and the owners' notices of them.

The record stays when a home is deleted: demands are counted in the transparency
report for good.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.hub.db import Base, CreatedMixin, IdMixin


class DemandKind(enum.StrEnum):
    WARRANT = "warrant"
    SUBPOENA = "subpoena"
    COURT_ORDER = "court_order"
    OTHER = "other"


class LegalDemand(IdMixin, CreatedMixin, Base):
    __tablename__ = "legal_demands"

    authority: Mapped[str] = mapped_column(String(200))
    kind: Mapped[DemandKind] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(200))
    document_sha256: Mapped[str] = mapped_column(String(64))
    # Scope: one home, optionally one of its cameras, and a time window.
    home_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("homes.id", ondelete="SET NULL"), index=True
    )
    camera_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("cameras.id", ondelete="SET NULL"), default=None
    )
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    # A recorded non-disclosure order delays the owners' notice until this moment.
    notice_delayed_until: Mapped[datetime | None] = mapped_column(default=None)
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    served_at: Mapped[datetime | None] = mapped_column(default=None)


class DemandNotice(Base):
    """One owner's notice of a demand; ``notified_at`` is set when it was logged as given."""

    __tablename__ = "demand_notices"

    demand_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("legal_demands.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    notify_at: Mapped[datetime] = mapped_column(index=True)
    notified_at: Mapped[datetime | None] = mapped_column(default=None)
