"""Accounts, browser sessions, bearer tokens and sign-in attempts."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.hub.db import Base, CreatedMixin, IdMixin


class Role(enum.StrEnum):
    RESIDENT = "resident"
    AGENCY_MEMBER = "agency_member"
    ADMIN = "admin"


class User(IdMixin, CreatedMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "(role = 'agency_member') = (agency_id IS NOT NULL)", name="agency_iff_member"
        ),
    )

    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(String(32))
    agency_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("agencies.id", ondelete="RESTRICT"), index=True, default=None
    )


class BrowserSession(IdMixin, CreatedMixin, Base):
    """A signed-in browser; the cookie holds a random token, the row only its keyed hash."""

    __tablename__ = "browser_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime]


class ApiToken(IdMixin, CreatedMixin, Base):
    """A bearer token for the CLI (owned by a user) or an edge device (owned by the device)."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) != (device_id IS NULL)", name="one_owner"),
    )

    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, default=None
    )
    device_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("edge_devices.id", ondelete="CASCADE"), index=True, default=None
    )
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class AttemptKind(enum.StrEnum):
    SIGN_IN = "sign_in"
    PAIRING = "pairing"


class AuthAttempt(IdMixin, Base):
    """A failed sign-in or pairing, counted for lockout and per-address rate limits."""

    __tablename__ = "auth_attempts"
    __table_args__ = (
        Index("ix_auth_attempts_subject_at", "kind", "subject", "at"),
        Index("ix_auth_attempts_address_at", "kind", "address", "at"),
    )

    kind: Mapped[AttemptKind] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(320))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
