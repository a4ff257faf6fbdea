"""Account, session and token schemas."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import EmailStr, Field

from doorstep.hub.accounts.models import Role
from doorstep.hub.schemas import PublicModel, RequestBody

Password = Field(min_length=1, max_length=1024)


class UserRegister(RequestBody):
    email: EmailStr
    password: str = Password
    display_name: str = Field(min_length=1, max_length=100)


class SignIn(RequestBody):
    email: EmailStr
    password: str = Password


class PasswordChange(RequestBody):
    current_password: str = Password
    new_password: str = Password


class UserPublic(PublicModel):
    id: uuid.UUID
    email: str
    display_name: str
    role: Role
    agency_id: uuid.UUID | None
    created_at: datetime


class SignedIn(PublicModel):
    user: UserPublic
    csrf_token: str = Field(description="Send it back in X-CSRF-Token on unsafe methods.")
    expires_at: datetime


class TokenCreate(RequestBody):
    name: str = Field(min_length=1, max_length=100)


class TokenPublic(PublicModel):
    id: uuid.UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None


class TokenIssued(TokenPublic):
    token: str = Field(description="Shown once; the hub keeps only a keyed hash.")
