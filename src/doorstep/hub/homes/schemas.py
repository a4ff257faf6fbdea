"""Home, household and camera schemas."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, EmailStr, Field, model_validator

from doorstep.hub.homes.models import Camera, HouseholdRole
from doorstep.hub.schemas import PublicModel, RequestBody

Name = Field(min_length=1, max_length=100)
Latitude = Field(ge=-90, le=90, description="WGS84 degrees; private to the home.")
Longitude = Field(ge=-180, le=180, description="WGS84 degrees; private to the home.")


class HomeCreate(RequestBody):
    name: str = Name
    retention_days: int = Field(30, ge=1, le=365, description="Days before clips are shredded.")


class HomeUpdate(RequestBody):
    name: str | None = Field(None, min_length=1, max_length=100)
    retention_days: int | None = Field(None, ge=1, le=365)


class HomePublic(PublicModel):
    id: uuid.UUID
    name: str
    retention_days: int
    role: HouseholdRole = Field(description="The caller's role in this home.")
    created_at: datetime


class MemberAdd(RequestBody):
    email: EmailStr


class MemberPublic(PublicModel):
    user_id: uuid.UUID
    display_name: str
    email: str
    role: HouseholdRole
    added_at: datetime


class CameraCreate(RequestBody):
    name: str = Name
    latitude: float = Latitude
    longitude: float = Longitude
    audio_enabled: bool = Field(False, description="Audio is off unless turned on here.")


class CameraUpdate(RequestBody):
    name: str | None = Field(None, min_length=1, max_length=100)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    audio_enabled: bool | None = None


class CameraHealthReport(RequestBody):
    """What an edge device reports about one camera, every few seconds."""

    connected: bool
    fps: float = Field(ge=0, le=1000)
    last_frame_at: AwareDatetime | None
    errors: int = Field(ge=0, le=2**31 - 1, description="Stored as a 32-bit integer.")
    key_alarm: str | None = Field(
        None,
        max_length=300,
        description="Why the edge refuses the home key the hub serves, while it does; "
        "it keeps recording and seals to the newest key the owner signed.",
    )


class CameraHealthPublic(PublicModel):
    reported_at: datetime
    connected: bool
    fps: float
    last_frame_at: datetime | None
    errors: int
    key_alarm: str | None = Field(description="The edge's key alarm; null when all is well.")


class CameraPublic(PublicModel):
    """A camera as its own household sees it (precise location included)."""

    id: uuid.UUID
    home_id: uuid.UUID
    name: str
    latitude: float
    longitude: float
    public_cell: str = Field(description="H3 cell at resolution 8: all others ever see.")
    audio_enabled: bool
    created_at: datetime
    health: CameraHealthPublic | None = Field(
        None, description="The edge device's last report; null until it reports."
    )

    @model_validator(mode="before")
    @classmethod
    def _health_from_row(cls, value: object) -> object:
        if isinstance(value, Camera):
            fields = {name: getattr(value, name) for name in _CAMERA_FIELDS}
            if value.health_reported_at is not None:
                fields["health"] = CameraHealthPublic(
                    reported_at=value.health_reported_at,
                    connected=bool(value.health_connected),
                    fps=value.health_fps or 0.0,
                    last_frame_at=value.health_last_frame_at,
                    errors=value.health_errors or 0,
                    key_alarm=value.health_key_alarm,
                )
            return fields
        return value


_CAMERA_FIELDS = (
    "id",
    "home_id",
    "name",
    "latitude",
    "longitude",
    "public_cell",
    "audio_enabled",
    "created_at",
)
