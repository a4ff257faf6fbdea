"""Shares: one resident's answer to one request, with the clips it hands over.

The agency's wrapped clip keys live on ``SharedClip.wrapped_key``; withdrawal or
expiry sets them to NULL, after which no package can be built for the agency. The
rest of each row stays, so the owner keeps the record of what was handed over.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.hub.db import Base, CreatedMixin, IdMixin


class ShareEnd(enum.StrEnum):
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class Share(IdMixin, CreatedMixin, Base):
    __tablename__ = "shares"
    __table_args__ = (Index("ix_shares_open_expiry", "ended_at", "expires_at"),)

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("footage_requests.id", ondelete="CASCADE"), index=True
    )
    home_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("homes.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    # The agency key the clip keys were wrapped to when the owner shared.
    agency_key_id: Mapped[str] = mapped_column(String(32))
    shared_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    purpose: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    end_reason: Mapped[ShareEnd | None] = mapped_column(String(16), default=None)
    # An agency's request for longer access, until the owner grants or refuses it.
    extension_until: Mapped[datetime | None] = mapped_column(default=None)
    extension_reason: Mapped[str | None] = mapped_column(Text, default=None)
    # The audit entry that records the share (the receipt proves its inclusion).
    audit_index: Mapped[int]


class SharedClip(Base):
    """One clip in a share; ``clip_id`` has no foreign key so the record outlives the clip."""

    __tablename__ = "shared_clips"

    share_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shares.id", ondelete="CASCADE"), primary_key=True
    )
    clip_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, index=True)
    camera_id: Mapped[uuid.UUID]
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]
    device_public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    ciphertext_sha256: Mapped[str] = mapped_column(String(64))
    # The attestation sealed for the agency under the clip's content key.
    sealed_attestation: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary(128), default=None)
    # Only the clip's blurred twin was shared: ``wrapped_key`` is the twin's key, and the
    # agency's package holds the twin's parts, never the clip's own.
    twin: Mapped[bool] = mapped_column(default=False, server_default=false())


class ShareDownload(IdMixin, Base):
    """An agency member downloaded the share's evidence package."""

    __tablename__ = "share_downloads"

    share_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shares.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    member_name: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]
    audit_index: Mapped[int]


class ShareEvent(Base):
    """An audit entry about a share: the custody log its packages carry."""

    __tablename__ = "share_events"

    share_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shares.id", ondelete="CASCADE"), primary_key=True
    )
    audit_index: Mapped[int] = mapped_column(primary_key=True)
