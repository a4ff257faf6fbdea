"""Edge devices and the one-time codes that pair them with a home."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.hub.db import Base, CreatedMixin, IdMixin


class EdgeDevice(IdMixin, CreatedMixin, Base):
    """An edge recorder; its Ed25519 public key signs the clips it records."""

    __tablename__ = "edge_devices"

    home_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("homes.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    public_key: Mapped[bytes] = mapped_column(unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    # The code it paired with and the tag it proved the code's owner part with.
    pairing_code_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    pairing_tag: Mapped[bytes | None] = mapped_column(LargeBinary(32), default=None)
    # The ``device.paired`` audit entry.
    audit_index: Mapped[int | None] = mapped_column(BigInteger, default=None)


class PairingCode(IdMixin, CreatedMixin, Base):
    """Short-lived and single-use; the row keeps only the code's keyed hash."""

    __tablename__ = "pairing_codes"

    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    home_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("homes.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime]
    # The owner's client's tag over its signing key, checked by the edge (crypto/pairing.py).
    owner_tag: Mapped[bytes | None] = mapped_column(LargeBinary(32), default=None)
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    device_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("edge_devices.id", ondelete="SET NULL"), default=None
    )
