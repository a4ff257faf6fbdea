"""Clip upload and listing schemas."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, Field

from doorstep.hub.clips.models import PartName
from doorstep.hub.schemas import PublicModel, RequestBody

Sha256 = Field(pattern=r"^[0-9a-f]{64}$", description="Lower-case hex SHA-256")


class PartDigest(RequestBody):
    size: int = Field(ge=0)
    sha256: str = Sha256


class ClipCommit(RequestBody):
    """Sent by the edge once every part is uploaded; safe to send again."""

    id: uuid.UUID = Field(description="Chosen by the edge: the idempotency key.")
    camera_id: uuid.UUID
    started_at: AwareDatetime
    ended_at: AwareDatetime
    parts: dict[PartName, PartDigest] = Field(description="What the edge uploaded.")


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
