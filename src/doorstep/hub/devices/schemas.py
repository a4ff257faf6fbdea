"""Pairing and edge device schemas."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from pydantic import Field, field_serializer

from doorstep.hub.homes.schemas import CameraPublic
from doorstep.hub.schemas import Base64Bytes, PublicModel, RequestBody


class PairingCodePublic(PublicModel):
    code: str = Field(description="Type it into the edge device; it works once.")
    expires_at: datetime


class DevicePair(RequestBody):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    public_key: str = Field(
        min_length=1, max_length=128, description="Raw Ed25519 public key, base64."
    )


class DevicePublic(PublicModel):
    id: uuid.UUID
    home_id: uuid.UUID
    name: str
    public_key: bytes
    created_at: datetime
    revoked_at: datetime | None

    @field_serializer("public_key")
    def _encode_key(self, value: bytes) -> str:
        return base64.b64encode(value).decode()


class DevicePaired(PublicModel):
    device: DevicePublic
    token: str = Field(description="The device's bearer token; shown once.")


class DeviceHomeKey(PublicModel):
    id: str
    public_key: Base64Bytes


class DeviceConfig(PublicModel):
    """What an edge device learns: its identity, its home's cameras and current home key."""

    device: DevicePublic
    cameras: list[CameraPublic]
    home_key: DeviceHomeKey | None = Field(
        description="Wrap every clip key to this; null until the owner made a home key."
    )
