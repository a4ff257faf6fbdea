"""Pairing edge devices: the owner makes a one-time code, the device trades it for a token.

The hub's part of the code is short enough to type (10 characters of Crockford base32,
50 bits), lives a few minutes, works once, and the hub keeps only its keyed hash. The
owner's client adds a secret part the hub never sees and tags its signing key with it;
the edge reads that tag (``pairing-owner``) to check the owner key before it pairs, and
tags its own key for the owner's client (``crypto/pairing.py``). Failed tries count
against the caller's address like failed sign-ins.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from doorstep.audit.entries import key_label
from doorstep.crypto.keys import key_id
from doorstep.crypto.pairing import (
    CODE_ALPHABET,
    CODE_LENGTH,
    TAG_BYTES,
    format_code,
    normalize_code,
)
from doorstep.errors import Conflict, InvalidInput, NotFound
from doorstep.hub.accounts.models import ApiToken, AttemptKind, User
from doorstep.hub.accounts.security import keyed_hash
from doorstep.hub.accounts.service import enforce_attempt_limits, issue_token, record_failure
from doorstep.hub.audit.service import (
    append_entry,
    append_home_entry,
    append_home_subject_entry,
)
from doorstep.hub.db import utcnow
from doorstep.hub.devices.models import EdgeDevice, PairingCode
from doorstep.hub.homes.models import Camera
from doorstep.hub.homes.schemas import CameraHealthReport
from doorstep.hub.homes.service import home_owner_ids, in_callers_home, membership
from doorstep.hub.keys.models import UserKey
from doorstep.settings import Settings


@dataclass(frozen=True)
class IssuedCode:
    id: uuid.UUID
    code: str
    expires_at: datetime


@dataclass(frozen=True)
class PairingOwner:
    """Who issued a code: what the edge checks the code's owner part against."""

    home_id: uuid.UUID
    owner_user_id: uuid.UUID
    owner_signing_key: bytes
    owner_tag: bytes


@dataclass(frozen=True)
class PairedDevice:
    device: EdgeDevice
    token: str


def decode_public_key(encoded: str) -> bytes:
    """A raw 32-byte Ed25519 public key in standard or URL-safe base64."""
    try:
        raw = base64.b64decode(encoded.replace("-", "+").replace("_", "/"), validate=True)
        Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(
            "public_key must be a raw 32-byte Ed25519 public key in base64", field="public_key"
        ) from exc
    return raw


def checked_tag(tag: bytes, field: str) -> bytes:
    """A pairing tag is an HMAC-SHA256; the hub can't check more without the secret."""
    if len(tag) != TAG_BYTES:
        raise InvalidInput(
            f"{field}: a pairing tag is {TAG_BYTES} bytes (HMAC-SHA256), got {len(tag)}",
            field=field,
        )
    return tag


def create_pairing_code(
    session: Session,
    *,
    settings: Settings,
    secret_key: bytes,
    user: User,
    home_id: uuid.UUID,
    owner_tag: bytes,
) -> IssuedCode:
    """A new code for the hub's part; ``owner_tag`` is the owner's client's tag of its key."""
    membership(session, user=user, home_id=home_id, owner=True)
    owner_tag = checked_tag(owner_tag, "owner_tag")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    row = PairingCode(
        code_hash=keyed_hash(secret_key, "pairing", code),
        home_id=home_id,
        created_by=user.id,
        expires_at=utcnow() + timedelta(minutes=settings.pairing_code_minutes),
        owner_tag=owner_tag,
    )
    session.add(row)
    session.flush()
    append_home_entry(
        session, action="device.pairing_code_issued", actor=user, home_id=home_id, objects={}
    )
    return IssuedCode(id=row.id, code=format_code(code), expires_at=row.expires_at)


def _usable_code(session: Session, *, secret_key: bytes, code: str, address: str) -> PairingCode:
    """The unused, unexpired code; a bad one is counted against ``address`` and refused."""
    row = session.scalar(
        select(PairingCode).where(
            PairingCode.code_hash == keyed_hash(secret_key, "pairing", normalize_code(code))
        )
    )
    problem = reason = None
    if row is None:
        problem, reason = "code: this pairing code is not valid", "unknown code"
    elif row.used_at is not None:
        problem = "code: this pairing code was used already; ask the owner for a new one"
        reason = "used code"
    elif row.expires_at <= utcnow():
        problem = "code: this pairing code has expired; ask the owner for a new one"
        reason = "expired code"
    if problem is not None or row is None:
        # A guess at a code, like a failed sign-in: counted, and on the record.
        append_entry(
            session,
            action="device.pairing_failed",
            actor={"kind": "anonymous"},
            objects={"reason": reason},
            private={"address": address},
        )
        record_failure(session, kind=AttemptKind.PAIRING, subject="", address=address)
        raise InvalidInput(problem or "code: invalid", field="code")
    return row


def pairing_owner(
    session: Session, *, settings: Settings, secret_key: bytes, code: str, address: str
) -> PairingOwner:
    """The home and owner key a code was issued for, and the owner's tag; the code stays unused."""
    enforce_attempt_limits(
        session, settings=settings, kind=AttemptKind.PAIRING, subject=None, address=address
    )
    row = _usable_code(session, secret_key=secret_key, code=code, address=address)
    if row.owner_tag is None:
        raise Conflict("code: this code was made before pairing codes had an owner part")
    if row.created_by not in home_owner_ids(session, row.home_id):
        raise Conflict("code: whoever made this code no longer owns the home")
    signing_key = session.scalar(
        select(UserKey.signing_key).where(UserKey.user_id == row.created_by)
    )
    if signing_key is None:
        raise Conflict("the home's owner has no key yet")
    return PairingOwner(
        home_id=row.home_id,
        owner_user_id=row.created_by,
        owner_signing_key=signing_key,
        owner_tag=row.owner_tag,
    )


def pair_device(
    session: Session,
    *,
    settings: Settings,
    secret_key: bytes,
    code: str,
    name: str,
    public_key: str,
    device_tag: bytes,
    address: str,
) -> PairedDevice:
    """A device for the code's home; ``device_tag`` is for the owner's client to check."""
    enforce_attempt_limits(
        session, settings=settings, kind=AttemptKind.PAIRING, subject=None, address=address
    )
    raw_key = decode_public_key(public_key)
    device_tag = checked_tag(device_tag, "device_tag")
    row = _usable_code(session, secret_key=secret_key, code=code, address=address)
    if session.scalar(select(EdgeDevice.id).where(EdgeDevice.public_key == raw_key)):
        raise Conflict("public_key: a device with this key is paired already")
    device = EdgeDevice(
        home_id=row.home_id,
        name=name,
        public_key=raw_key,
        pairing_code_id=row.id,
        pairing_tag=device_tag,
    )
    session.add(device)
    session.flush()
    # Single use even when two devices race with the same code.
    claimed = session.execute(
        update(PairingCode)
        .where(PairingCode.id == row.id, PairingCode.used_at.is_(None))
        .values(used_at=utcnow(), device_id=device.id)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise InvalidInput("code: this pairing code was used already", field="code")
    _, token = issue_token(
        session, secret_key=secret_key, name=f"device {name}", device_id=device.id
    )
    # The owner who issued the code paired it: the code is their say-so, and single use.
    # The entry binds the device's label to its key, for whoever checks a key list.
    device.audit_index = _append_device_entry(
        session,
        "device.paired",
        session.get(User, row.created_by),
        device,
        label=key_label("device", device.id),
        key_id=key_id(raw_key),
    )
    return PairedDevice(device=device, token=token)


def _append_device_entry(
    session: Session, action: str, actor: User | None, device: EdgeDevice, **objects: str
) -> int:
    return append_home_subject_entry(
        session,
        action=action,
        actor=actor,
        home_id=device.home_id,
        subject="device",
        kind="device",
        subject_id=device.id,
        objects=objects,
    )


def list_devices(session: Session, *, user: User, home_id: uuid.UUID) -> list[EdgeDevice]:
    membership(session, user=user, home_id=home_id)
    return list(
        session.scalars(
            select(EdgeDevice).where(EdgeDevice.home_id == home_id).order_by(EdgeDevice.created_at)
        )
    )


def revoke_device(session: Session, *, user: User, device_id: uuid.UUID) -> EdgeDevice:
    device = in_callers_home(
        session,
        user=user,
        row=session.get(EdgeDevice, device_id),
        name=f"device {device_id}",
        owner=True,
    )
    now = utcnow()
    if device.revoked_at is None:
        device.revoked_at = now
        _append_device_entry(session, "device.revoked", user, device)
    session.execute(
        update(ApiToken)
        .where(ApiToken.device_id == device.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return device


def device_cameras(session: Session, *, device: EdgeDevice) -> list[Camera]:
    return list(
        session.scalars(
            select(Camera).where(Camera.home_id == device.home_id).order_by(Camera.created_at)
        )
    )


def report_camera_health(
    session: Session, *, device: EdgeDevice, camera_id: uuid.UUID, report: CameraHealthReport
) -> Camera:
    camera = device_camera(session, device=device, camera_id=camera_id)
    camera.health_reported_at = utcnow()
    camera.health_connected = report.connected
    camera.health_fps = report.fps
    camera.health_last_frame_at = report.last_frame_at
    camera.health_errors = report.errors
    camera.health_key_alarm = report.key_alarm
    return camera


def device_camera(session: Session, *, device: EdgeDevice, camera_id: uuid.UUID) -> Camera:
    """A camera of the device's own home; any other is NotFound."""
    camera = session.get(Camera, camera_id)
    if camera is None or camera.home_id != device.home_id:
        raise NotFound(f"camera_id: camera {camera_id} is not in this device's home")
    return camera
