"""Pairing and edge device schemas."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from pydantic import Field, field_serializer

from doorstep.hub.homes.schemas import CameraPublic
from doorstep.hub.schemas import Base64Bytes, PublicModel, RequestBody


class PairingCodeCreate(RequestBody):
    owner_tag: Base64Bytes = Field(
        description="HMAC-SHA256 (32 bytes) of the owner's signing key under the code's "
        "secret part, which the owner's client keeps (docs/crypto-format.md, Pairing code).",
    )


class PairingCodePublic(PublicModel):
    id: uuid.UUID = Field(description="The device paired with this code lists it.")
    code: str = Field(
        description="The hub's part; the owner's client adds its secret part. Works once."
    )
    expires_at: datetime


class PairingCodeBody(RequestBody):
    code: str = Field(min_length=1, max_length=32, description="The code's hub part.")


class PairingOwnerPublic(PublicModel):
    """Whose code it is: the edge checks ``owner_tag`` with the code's secret part."""

    home_id: uuid.UUID
    owner_user_id: uuid.UUID
    owner_signing_key: Base64Bytes = Field(description="The issuing owner's Ed25519 key.")
    owner_tag: Base64Bytes


class DevicePair(PairingCodeBody):
    name: str = Field(min_length=1, max_length=100)
    public_key: str = Field(
        min_length=1, max_length=128, description="Raw Ed25519 public key, base64."
    )
    device_tag: Base64Bytes = Field(
        description="HMAC-SHA256 (32 bytes) of the device key under the code's secret part, "
        "for the owner's client to check before it signs the device into the home's key list.",
    )


class DevicePublic(PublicModel):
    id: uuid.UUID
    home_id: uuid.UUID
    name: str
    public_key: bytes
    created_at: datetime
    revoked_at: datetime | None
    pairing_code_id: uuid.UUID | None = Field(description="The code it paired with.")
    pairing_tag: Base64Bytes | None = Field(description="The device_tag it paired with.")

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
    """What an edge device learns: its identity, its home's cameras and the hub's record of
    the current home key."""

    device: DevicePublic
    cameras: list[CameraPublic]
    home_key: DeviceHomeKey | None = Field(
        description="The hub's record of the current home key, unsigned: for display only. "
        "A device wraps clip keys only to the home key of the newest owner-signed key list "
        "(GET /v1/device/key-lists), which a hub can't forge. Null until the owner made one."
    )
