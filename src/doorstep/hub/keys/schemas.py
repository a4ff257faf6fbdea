"""Key schemas: public keys, passphrase boxes and wrapped keys, all base64."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from doorstep.crypto.keylist import MAX_BODY_BYTES, SignedKeyList
from doorstep.hub.audit.schemas import KeyProof
from doorstep.hub.keys.models import KeyScope, RecipientKind
from doorstep.hub.schemas import Base64Bytes, PublicModel, RequestBody

KeyId = Field(pattern=r"^[0-9a-f]{32}$", description="32 hex digits (docs/crypto-format.md)")


class UserKeySet(RequestBody):
    public_key: Base64Bytes = Field(description="Raw X25519 public key (32 bytes).")
    private_key_box: Base64Bytes = Field(
        max_length=256, description="The private key sealed under your passphrase (Argon2id)."
    )
    signing_key: Base64Bytes = Field(
        max_length=64,
        description="Raw Ed25519 public key (32 bytes), derived from the X25519 private key.",
    )
    binding_signature: Base64Bytes = Field(
        max_length=128, description="The signing key's signature over both public keys (64 bytes)."
    )


class UserKeyPublic(PublicModel):
    id: str
    fingerprint: str = Field(description="The key id in groups of four, to compare by eye.")
    public_key: Base64Bytes
    signing_key: Base64Bytes
    signing_key_id: str
    created_at: datetime
    proof: KeyProof = Field(description="The user_key.published entry, proven in a checkpoint.")


class UserKeyRecovery(UserKeyPublic):
    """Your own key with its passphrase box, to recover it on a new client."""

    private_key_box: Base64Bytes


class MemberKeyPublic(PublicModel):
    user_id: uuid.UUID
    display_name: str
    owner: bool
    key_id: str | None
    public_key: Base64Bytes | None
    signing_key: Base64Bytes | None
    binding_signature: Base64Bytes | None
    proof: KeyProof | None = Field(
        description="The member's user_key.published entry, proven in a checkpoint."
    )


class SignedKeyListBody(RequestBody):
    """A home key list an owner signed (docs/crypto-format.md, Home key list)."""

    version: int = Field(ge=1, le=2**31 - 1)
    body: Base64Bytes = Field(max_length=MAX_BODY_BYTES, description="Its canonical JSON.")
    signer: Base64Bytes = Field(
        min_length=32, max_length=32, description="The owner's Ed25519 signing key."
    )
    signature: Base64Bytes = Field(
        min_length=64, max_length=64, description="Ed25519 over the context and the body."
    )

    def signed(self) -> SignedKeyList:
        return SignedKeyList(
            version=self.version, body=self.body, signer=self.signer, signature=self.signature
        )


class KeyListPublic(PublicModel):
    version: int
    body: Base64Bytes
    signer: Base64Bytes
    signature: Base64Bytes
    proof: KeyProof = Field(description="The home_keys.signed entry, proven in a checkpoint.")


class KeyLists(PublicModel):
    """A page of a home's key lists, oldest first."""

    home_id: uuid.UUID
    data: list[KeyListPublic]
    count: int


class GrantBody(RequestBody):
    user_key_id: str = KeyId
    wrapped_key: Base64Bytes = Field(max_length=128, description="Home private key, wrapped.")


class HomeKeyRotate(RequestBody):
    public_key: Base64Bytes = Field(description="The new home key's raw X25519 public key.")
    grants: list[GrantBody] = Field(
        max_length=100, description="Its private key wrapped to every member who has a key."
    )
    key_list: SignedKeyListBody = Field(
        description="The next key list, signed by you, with the new key as the current one."
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
    scope: KeyScope = Field(description="The clip's own key, or its blurred twin's.")
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
    scope: KeyScope = Field(
        KeyScope.CLIP,
        description="twin: the key is the blurred twin's, and the member opens only the twin "
        "(faces blurred); the clip's own parts stay closed to them.",
    )
