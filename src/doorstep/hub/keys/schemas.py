"""Key schemas: public keys, passphrase boxes and wrapped keys, all base64."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from doorstep.hub.keys.models import RecipientKind
from doorstep.hub.schemas import Base64Bytes, PublicModel, RequestBody

KeyId = Field(pattern=r"^[0-9a-f]{32}$", description="32 hex digits (docs/crypto-format.md)")


class UserKeySet(RequestBody):
    public_key: Base64Bytes = Field(description="Raw X25519 public key (32 bytes).")
    private_key_box: Base64Bytes = Field(
        max_length=256, description="The private key sealed under your passphrase (Argon2id)."
    )


class UserKeyPublic(PublicModel):
    id: str
    fingerprint: str = Field(description="The key id in groups of four, to compare by eye.")
    public_key: Base64Bytes
    created_at: datetime


class UserKeyRecovery(UserKeyPublic):
    """Your own key with its passphrase box, to recover it on a new client."""

    private_key_box: Base64Bytes


class MemberKeyPublic(PublicModel):
    user_id: uuid.UUID
    display_name: str
    key_id: str | None
    public_key: Base64Bytes | None


class GrantBody(RequestBody):
    user_key_id: str = KeyId
    wrapped_key: Base64Bytes = Field(max_length=128, description="Home private key, wrapped.")


class HomeKeyRotate(RequestBody):
    public_key: Base64Bytes = Field(description="The new home key's raw X25519 public key.")
    grants: list[GrantBody] = Field(
        max_length=100, description="Its private key wrapped to every member who has a key."
    )


class HomeKeyGrantSet(RequestBody):
    wrapped_key: Base64Bytes = Field(max_length=128)


class HomeKeyPublic(PublicModel):
    id: str
    public_key: Base64Bytes
    created_at: datetime
    retired_at: datetime | None
    wrapped_for_me: Base64Bytes | None = Field(
        None, description="This home key's private key wrapped to your user key, if granted."
    )


class HomeKeys(PublicModel):
    home_id: uuid.UUID
    rotation_due: bool = Field(description="A member left: rotate the home key.")
    keys: list[HomeKeyPublic]


class ClipKeyPublic(PublicModel):
    recipient_key_id: str
    recipient_kind: RecipientKind
    wrapped_key: Base64Bytes
    created_at: datetime


class ClipKeys(PublicModel):
    """Everything a household client needs to open a clip, except its own private key."""

    clip_id: uuid.UUID
    home_id: uuid.UUID
    device_public_key: Base64Bytes | None = Field(description="Verifies the device signature.")
    keys: list[ClipKeyPublic]


class ClipShare(RequestBody):
    recipient_key_id: str = KeyId
    wrapped_key: Base64Bytes = Field(max_length=128, description="The content key, re-wrapped.")
