"""Public keys and wrapped keys: everything the hub holds about clip encryption.

The hub stores public keys, private keys sealed under their owner's passphrase, and
keys wrapped to public keys. It holds nothing that unwraps them
(``docs/crypto-format.md``). Deleting a clip's ``ClipKey`` rows shreds the clip.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.hub.db import Base, CreatedMixin

KEY_ID = String(32)


class UserKey(CreatedMixin, Base):
    """A person's X25519 key, made on their own client; one per person."""

    __tablename__ = "user_keys"

    id: Mapped[str] = mapped_column(KEY_ID, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    # The private key sealed under the owner's passphrase (Argon2id): only they open it.
    private_key_box: Mapped[bytes] = mapped_column(LargeBinary(256))
    # The Ed25519 key derived from the X25519 one, and its signature binding the two.
    signing_key: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    binding_signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    # The ``user_key.published`` audit entry: key routes prove its inclusion.
    audit_index: Mapped[int] = mapped_column(BigInteger)


class HomeKey(CreatedMixin, Base):
    """A home's X25519 key: its edge wraps every clip key to the current one."""

    __tablename__ = "home_keys"

    id: Mapped[str] = mapped_column(KEY_ID, primary_key=True)
    home_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("homes.id", ondelete="CASCADE"), index=True
    )
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    retired_at: Mapped[datetime | None] = mapped_column(default=None)


class HomeKeyList(CreatedMixin, Base):
    """One version of a home's key list, signed by an owner (``crypto/keylist.py``)."""

    __tablename__ = "home_key_lists"

    home_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("homes.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    signer: Mapped[bytes] = mapped_column(LargeBinary(32))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    # The ``home_keys.signed`` audit entry: key list routes prove its inclusion.
    audit_index: Mapped[int] = mapped_column(BigInteger)


class HomeKeyGrant(CreatedMixin, Base):
    """A home's private key wrapped to a household member's user key."""

    __tablename__ = "home_key_grants"

    home_key_id: Mapped[str] = mapped_column(
        ForeignKey("home_keys.id", ondelete="CASCADE"), primary_key=True
    )
    user_key_id: Mapped[str] = mapped_column(
        ForeignKey("user_keys.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary(128))


class RecipientKind(enum.StrEnum):
    HOME = "home"
    USER = "user"


class KeyScope(enum.StrEnum):
    """Which of a clip's content keys: the clip's own, or its blurred twin's."""

    CLIP = "clip"
    TWIN = "twin"


class ClipKey(CreatedMixin, Base):
    """A clip's content key wrapped to one recipient: a home key, or someone it was shared with.

    A clip with a blurred twin has two content keys, each wrapped on its own row: a
    recipient of the twin's key alone can't open the clip's own parts.
    """

    __tablename__ = "clip_keys"

    clip_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clips.id", ondelete="CASCADE"), primary_key=True
    )
    recipient_key_id: Mapped[str] = mapped_column(KEY_ID, primary_key=True, index=True)
    scope: Mapped[KeyScope] = mapped_column(
        String(8), primary_key=True, default=KeyScope.CLIP, server_default=KeyScope.CLIP.value
    )
    recipient_kind: Mapped[RecipientKind] = mapped_column(String(16))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary(128))
    # Who re-wrapped it; None when the edge wrapped it at record time.
    shared_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
