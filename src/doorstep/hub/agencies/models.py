"""Public-safety agencies. An agency member account belongs to exactly one agency."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.hub.db import Base, CreatedMixin, IdMixin


class AgencyKind(enum.StrEnum):
    POLICE = "police"
    FIRE = "fire"
    PUBLIC_HEALTH = "public_health"
    ANIMAL_SERVICES = "animal_services"
    OTHER = "other"


class Agency(IdMixin, CreatedMixin, Base):
    __tablename__ = "agencies"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[AgencyKind] = mapped_column(String(32))
    contact_email: Mapped[str] = mapped_column(String(320))
    verified_at: Mapped[datetime | None] = mapped_column(default=None)
