"""Homes, their household members and their cameras.

A camera's precise location stays private to its home; only the coarse H3 cell
(resolution 8, about 0.7 km²) is ever shown outside it.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.hub.db import Base, CreatedMixin, IdMixin


class HouseholdRole(enum.StrEnum):
    OWNER = "owner"
    MEMBER = "member"


class Home(IdMixin, CreatedMixin, Base):
    __tablename__ = "homes"

    name: Mapped[str] = mapped_column(String(100))
    retention_days: Mapped[int] = mapped_column(default=30)
    # Set when a member leaves: the owner's client must rotate the home key.
    key_rotation_due: Mapped[bool] = mapped_column(default=False, server_default=false())


class HomeMember(CreatedMixin, Base):
    __tablename__ = "home_members"
    home_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("homes.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[HouseholdRole] = mapped_column(String(16))


class Camera(IdMixin, CreatedMixin, Base):
    __tablename__ = "cameras"
    # Request matching reads a cell's cameras from this index alone, without the table
    # (docs/benchmarks.md, bench match).
    __table_args__ = (
        Index("ix_cameras_match_cell", "match_cell", "id", "home_id", "longitude", "latitude"),
    )

    home_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("homes.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    latitude: Mapped[float]
    longitude: Mapped[float]
    public_cell: Mapped[str] = mapped_column(String(16), index=True)
    # A fine H3 cell (resolution 10, about 0.015 km²) that request matching looks up.
    match_cell: Mapped[str] = mapped_column(String(16))
    audio_enabled: Mapped[bool] = mapped_column(default=False)
    # Reported by the home's edge device; None until it first reports.
    health_reported_at: Mapped[datetime | None] = mapped_column(default=None)
    health_connected: Mapped[bool | None] = mapped_column(default=None)
    health_fps: Mapped[float | None] = mapped_column(default=None)
    health_last_frame_at: Mapped[datetime | None] = mapped_column(default=None)
    health_errors: Mapped[int | None] = mapped_column(default=None)
    health_key_alarm: Mapped[str | None] = mapped_column(String(300), default=None)
