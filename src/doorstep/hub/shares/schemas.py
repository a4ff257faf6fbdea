"""Share schemas: what an owner sends when sharing, and what owner and agency see."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, Field

from doorstep.crypto.format import ATTESTATION_NONCE_BYTES, MAX_SEALED_ATTESTATION_BYTES, TAG_BYTES
from doorstep.hub.schemas import Base64Bytes, PublicModel, RequestBody
from doorstep.hub.shares.models import ShareEnd


class ClipChoiceBody(RequestBody):
    clip_id: uuid.UUID
    wrapped_key: Base64Bytes = Field(description="The clip key wrapped to the agency's key.")
    sealed_attestation: Base64Bytes = Field(
        min_length=ATTESTATION_NONCE_BYTES + TAG_BYTES,
        max_length=MAX_SEALED_ATTESTATION_BYTES,
        description="Each part's plaintext digest and device signature, as your client saw "
        "them, sealed under the clip key: only the agency opens it.",
    )
    twin: bool = Field(
        False,
        description="Share only the clip's blurred twin (faces blurred): wrapped_key is the "
        "twin's key and the attestation covers twin_clip and twin_snapshot; the clip's own "
        "key stays with the household.",
    )


class ShareCreate(RequestBody):
    clips: list[ClipChoiceBody] = Field(min_length=1, max_length=100)
    expires_in_days: int | None = Field(
        default=None, description="Shorter access than the agency's stated retention."
    )


class SharedClipPublic(PublicModel):
    clip_id: uuid.UUID
    camera_id: uuid.UUID
    started_at: datetime
    ended_at: datetime
    ciphertext_sha256: str
    twin: bool = Field(description="Only the blurred twin was shared.")
    key_held: bool = Field(description="The agency still holds a key to this clip.")
    held_past_retention: bool = Field(
        description="Past its home's retention, the clip is kept only while an agency's "
        "share holds it; the first retention sweep after the share ends shreds it."
    )


class DownloadPublic(PublicModel):
    member_name: str
    at: datetime


class SharePublic(PublicModel):
    """A share as its owner sees it: who holds keys to which clips, until when, downloads."""

    id: uuid.UUID
    request_id: uuid.UUID
    agency: str
    agency_key_id: str
    purpose: str
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None
    end_reason: ShareEnd | None
    extension_until: datetime | None
    extension_reason: str | None
    clips: list[SharedClipPublic]
    downloads: list[DownloadPublic]


class ShareForAgency(PublicModel):
    id: uuid.UUID
    request_id: uuid.UUID
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None
    end_reason: ShareEnd | None
    extension_until: datetime | None
    clips: int


class ExtensionAsk(RequestBody):
    until: AwareDatetime
    reason: str = Field(min_length=1, max_length=1000)


class ExtensionAnswer(RequestBody):
    grant: bool
