"""Agency schemas."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from pydantic import EmailStr, Field, field_validator

from doorstep.hub.accounts.schemas import UserPublic
from doorstep.hub.agencies.models import AgencyKind
from doorstep.hub.audit.schemas import KeyProof
from doorstep.hub.schemas import Base64Bytes, PublicModel, RequestBody


class AgencyCreate(RequestBody):
    name: str = Field(min_length=1, max_length=200)
    kind: AgencyKind
    contact_email: EmailStr
    jurisdiction: dict[str, Any] = Field(
        description="GeoJSON Polygon or MultiPolygon (lon/lat): requests must lie inside it."
    )


class AgencyPublic(PublicModel):
    """An agency as anyone may see it: agencies are public, by name."""

    id: uuid.UUID
    name: str
    kind: AgencyKind
    contact_email: str
    jurisdiction: dict[str, Any] | None
    key_id: str | None = Field(description="The agency key shared clips are wrapped to.")
    verified_at: datetime | None
    suspended_at: datetime | None
    suspension_reason: str | None
    created_at: datetime

    @field_validator("jurisdiction", mode="before")
    @classmethod
    def _parse_stored(cls, value: object) -> object:
        return json.loads(value) if isinstance(value, str) else value


class AgencyOwnView(AgencyPublic):
    """The agency as its members see it: with its key and the key's proof in the log."""

    public_key: Base64Bytes | None = Field(description="The agency's X25519 public key.")
    proof: KeyProof | None = Field(
        description="The agency.key_published entry of this key, proven in a checkpoint; "
        "null while the agency has no key."
    )


class AgencyKeyPut(RequestBody):
    public_key: Base64Bytes = Field(description="The agency's X25519 public key (32 bytes).")


class AgencySuspend(RequestBody):
    reason: str = Field(min_length=1, max_length=500)


class AgencyMemberCreate(RequestBody):
    email: EmailStr
    display_name: str = Field(min_length=1, max_length=100)


class AgencyMemberCreated(PublicModel):
    user: UserPublic
    one_time_password: str = Field(description="Shown once; give it to the member in person.")
