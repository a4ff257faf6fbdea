"""Public-safety agencies. An agency member account belongs to exactly one agency.

An agency's X25519 key pair is made on its own client; the hub keeps only the public
key, which residents' clients wrap shared clip keys to.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, LargeBinary, String, Text
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
    # GeoJSON Polygon or MultiPolygon (lon/lat): requests must lie inside it.
    jurisdiction: Mapped[str | None] = mapped_column(Text, default=None)
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary(32), default=None)
    key_id: Mapped[str | None] = mapped_column(String(32), default=None)
    # The ``agency.key_published`` audit entry of the current key.
    key_audit_index: Mapped[int | None] = mapped_column(BigInteger, default=None)
    suspended_at: Mapped[datetime | None] = mapped_column(default=None)
    suspension_reason: Mapped[str | None] = mapped_column(String(500), default=None)
