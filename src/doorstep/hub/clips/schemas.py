"""Clip upload and listing schemas."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, Field

from doorstep.hub.clips.models import PartName
from doorstep.hub.schemas import Base64Bytes, PublicModel, RequestBody

Sha256 = Field(pattern=r"^[0-9a-f]{64}$", description="Lower-case hex SHA-256")


class PartDigest(RequestBody):
    size: int = Field(ge=0)
    sha256: str = Sha256


class WrappedKeyBody(RequestBody):
    recipient_key_id: str = Field(pattern=r"^[0-9a-f]{32}$", description="The home key's id.")
    wrapped_key: Base64Bytes = Field(max_length=128, description="The clip key, wrapped.")


class ClipCommit(RequestBody):
    """Sent by the edge once every part is uploaded; safe to send again."""

    id: uuid.UUID = Field(description="Chosen by the edge: the idempotency key.")
    camera_id: uuid.UUID
    started_at: AwareDatetime
    ended_at: AwareDatetime
    parts: dict[PartName, PartDigest] = Field(description="What the edge uploaded.")
    keys: list[WrappedKeyBody] = Field(
        min_length=1, max_length=8, description="The clip's content key wrapped to the home key."
    )


class PartPublic(PublicModel):
    part: PartName
    size: int
    sha256: str


class ClipPublic(PublicModel):
    id: uuid.UUID
    home_id: uuid.UUID
    camera_id: uuid.UUID
    started_at: datetime
    ended_at: datetime
    parts: list[PartPublic]
