"""Clip upload and listing schemas."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, Field

from doorstep.hub.clips.models import PartName
from doorstep.hub.keys.models import KeyScope
from doorstep.hub.schemas import Base64Bytes, PublicModel, RequestBody

Sha256 = Field(pattern=r"^[0-9a-f]{64}$", description="Lower-case hex SHA-256")


class PartDigest(RequestBody):
    size: int = Field(ge=0)
    sha256: str = Sha256


class WrappedKeyBody(RequestBody):
    recipient_key_id: str = Field(pattern=r"^[0-9a-f]{32}$", description="The home key's id.")
    wrapped_key: Base64Bytes = Field(max_length=128, description="The clip key, wrapped.")
    scope: KeyScope = Field(
        KeyScope.CLIP,
        description="Which content key: the clip's (every part but the twin's), or the "
        "blurred twin's (twin_clip and twin_snapshot only).",
    )


class ClipCommit(RequestBody):
    """Sent by the edge once every part is uploaded; safe to send again."""

    id: uuid.UUID = Field(description="Chosen by the edge: the idempotency key.")
    camera_id: uuid.UUID
    started_at: AwareDatetime
    ended_at: AwareDatetime
    parts: dict[PartName, PartDigest] = Field(description="What the edge uploaded.")
    keys: list[WrappedKeyBody] = Field(
        min_length=1,
        max_length=8,
        description="The clip's content key wrapped to the home key (and the twin's, if any).",
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


class TimelineBucket(PublicModel):
    start: datetime = Field(description="Where the bucket begins; it lasts `bucket` seconds.")
    count: int = Field(description="Clips that started in the bucket.")


class TimelineClipPublic(PublicModel):
    id: uuid.UUID
    started_at: datetime
    ended_at: datetime
    sizes: dict[str, int] = Field(description="Bytes of each sealed part stored, by part name.")
    has_snapshot: bool


class TimelinePublic(PublicModel):
    """A camera's clips counted per bucket; labels are sealed, so counts are all there is."""

    camera_id: uuid.UUID
    home_id: uuid.UUID
    start: datetime
    end: datetime
    bucket: int = Field(description="Bucket length in seconds, counted from `start`.")
    bucket_count: int = Field(description="Buckets in the window, empty ones included.")
    total: int = Field(description="Clips that started in the window.")
    buckets: list[TimelineBucket] = Field(description="The buckets holding clips, in order.")
    clips: list[TimelineClipPublic] | None = Field(
        description="For windows of a day or less: the clips, oldest first, a page at a time."
    )
    next_after: uuid.UUID | None = Field(
        description="More clips follow: pass this as `after` for the next page."
    )
