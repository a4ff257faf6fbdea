"""Agency requests, their delivery to homes' inboxes, homes' request settings, and flags.

A request row is public (the public log shows it, with a coarse area). A delivery row
is private to the home it reached: no agency-facing route or export reads it, so
whether a home was asked, declined, opted out or never answered can't leak.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.hub.db import Base, CreatedMixin, IdMixin


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # its open time ran out
    WITHDRAWN = "withdrawn"  # by the agency
    WITHDRAWN_AFTER_REVIEW = "withdrawn_after_review"  # by an admin, after a flag


class FootageRequest(IdMixin, CreatedMixin, Base):
    __tablename__ = "footage_requests"
    __table_args__ = (
        Index("ix_footage_requests_agency_code", "agency_id", "investigation_code"),
        Index("ix_footage_requests_agency_created", "agency_id", "created_at"),
        # A committed clip looks up the requests still open (requests.delivery).
        Index("ix_footage_requests_open_until", "open_until"),
    )

    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    investigation_code: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32))
    details: Mapped[str] = mapped_column(Text)
    # The area as GeoJSON (lon/lat), its geodesic area, and its centroid.
    area: Mapped[str] = mapped_column(Text)
    area_m2: Mapped[float]
    latitude: Mapped[float]
    longitude: Mapped[float]
    # The H3 resolution-8 cells the area touches: the coarse area the public log shows.
    coarse_cells: Mapped[str] = mapped_column(Text)
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    open_until: Mapped[datetime]
    retention_days: Mapped[int]
    emergency: Mapped[bool] = mapped_column(default=False)
    emergency_reason: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[RequestStatus] = mapped_column(String(32), default=RequestStatus.OPEN)
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)
    review_note: Mapped[str | None] = mapped_column(Text, default=None)
    audit_index: Mapped[int | None] = mapped_column(default=None)


class DeliveryAnswer(enum.StrEnum):
    PENDING = "pending"
    SHARED = "shared"
    DECLINED = "declined"


class RequestDelivery(IdMixin, CreatedMixin, Base):
    """A request in one home's inbox: private to that home's owners."""

    __tablename__ = "request_deliveries"
    __table_args__ = (
        Index("uq_request_deliveries_request_home", "request_id", "home_id", unique=True),
    )

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("footage_requests.id", ondelete="CASCADE")
    )
    home_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("homes.id", ondelete="CASCADE"), index=True
    )
    urgent: Mapped[bool] = mapped_column(default=False)
    answer: Mapped[DeliveryAnswer] = mapped_column(String(16), default=DeliveryAnswer.PENDING)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)


class RequestSettings(Base):
    """A home's choices about requests; a home without a row takes the defaults."""

    __tablename__ = "request_settings"

    home_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("homes.id", ondelete="CASCADE"), primary_key=True
    )
    receive: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Comma-separated agency kinds that may ask (doorstep.hub.agencies.models.AgencyKind).
    agency_kinds: Mapped[str] = mapped_column(String(200))
    # Quiet hours in the home's time zone, as minutes after midnight; None: no quiet hours.
    quiet_start_minute: Mapped[int | None] = mapped_column(default=None)
    quiet_end_minute: Mapped[int | None] = mapped_column(default=None)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    emergencies_bypass_quiet: Mapped[bool] = mapped_column(default=True, server_default=true())


class FlagStatus(enum.StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  # the admin withdrew the request
    DISMISSED = "dismissed"


class RequestFlag(IdMixin, CreatedMixin, Base):
    """A resident's report that a request breaks the purpose rules; an admin reviews it."""

    __tablename__ = "request_flags"

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("footage_requests.id", ondelete="CASCADE"), index=True
    )
    flagged_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[FlagStatus] = mapped_column(String(16), default=FlagStatus.OPEN)
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(default=None)
    review_note: Mapped[str | None] = mapped_column(Text, default=None)
