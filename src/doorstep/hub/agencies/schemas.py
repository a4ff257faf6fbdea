"""Agency schemas."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import EmailStr, Field

from doorstep.hub.accounts.schemas import UserPublic
from doorstep.hub.agencies.models import AgencyKind
from doorstep.hub.schemas import PublicModel, RequestBody


class AgencyCreate(RequestBody):
    name: str = Field(min_length=1, max_length=200)
    kind: AgencyKind
    contact_email: EmailStr


class AgencyPublic(PublicModel):
    id: uuid.UUID
    name: str
    kind: AgencyKind
    contact_email: str
    verified_at: datetime | None
    created_at: datetime


class AgencyMemberCreate(RequestBody):
    email: EmailStr
    display_name: str = Field(min_length=1, max_length=100)


class AgencyMemberCreated(PublicModel):
    user: UserPublic
    one_time_password: str = Field(description="Shown once; give it to the member in person.")
