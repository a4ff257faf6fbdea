"""Legal demand schemas: what an admin records, what an admin sees, what the owner sees."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, Field, field_validator

from doorstep.hub.demands.models import DemandKind
from doorstep.hub.schemas import PublicModel, RequestBody


class DemandCreate(RequestBody):
    authority: str = Field(
        min_length=1, max_length=200, description="The court or authority that issued it."
    )
    kind: DemandKind
    reference: str = Field(
        min_length=1, max_length=200, description="The case or docket number on the document."
    )
    document_sha256: str = Field(
        pattern=r"^[0-9a-fA-F]{64}$",
        description="SHA-256 (hex) of the demand's document, kept outside the hub.",
    )
    home_id: uuid.UUID = Field(description="The home whose footage is demanded.")
    camera_id: uuid.UUID | None = Field(
        default=None, description="One camera of that home; every camera when left out."
    )
    window_start: AwareDatetime
    window_end: AwareDatetime
    notice_delayed_until: AwareDatetime | None = Field(
        default=None,
        description="When a non-disclosure order ends: the owners are told then, not now.",
    )
    notes: str | None = Field(default=None, max_length=5000)

    @field_validator("document_sha256")
    @classmethod
    def _lowercase(cls, value: str) -> str:
        return value.lower()


class NoticePublic(PublicModel):
    user_id: uuid.UUID
    notify_at: datetime
    notified_at: datetime | None


class DemandPublic(PublicModel):
    """A demand as the admins see it."""

    id: uuid.UUID
    authority: str
    kind: DemandKind
    reference: str
    document_sha256: str
    home_id: uuid.UUID | None = Field(description="None once the home was deleted.")
    camera_id: uuid.UUID | None
    window_start: datetime
    window_end: datetime
    notice_delayed_until: datetime | None
    notes: str | None
    recorded_by: uuid.UUID | None
    created_at: datetime
    served_at: datetime | None
    notices: list[NoticePublic]


class DemandForOwner(PublicModel):
    """A demand on a home the caller owns, once its notice is due."""

    id: uuid.UUID
    authority: str
    kind: DemandKind
    reference: str
    document_sha256: str
    home_id: uuid.UUID | None
    camera_id: uuid.UUID | None
    window_start: datetime
    window_end: datetime
    notice_delayed_until: datetime | None = Field(
        description="When a court-ordered delay of this notice ended, if there was one."
    )
    recorded_at: datetime
    served_at: datetime | None = Field(description="When the hub first handed the package over.")
    handed_over: list[uuid.UUID] = Field(
        description="The clips handed over, as ciphertext only: the hub can't decrypt them."
    )
