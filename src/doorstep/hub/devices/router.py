"""Pairing codes, pairing, and the edge device's own view."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, status

from doorstep.hub.deps import CurrentDevice, CurrentResident, SessionDep, StateDep, client_address
from doorstep.hub.devices import service
from doorstep.hub.devices.schemas import (
    DeviceConfig,
    DeviceHomeKey,
    DevicePair,
    DevicePaired,
    DevicePublic,
    PairingCodeBody,
    PairingCodeCreate,
    PairingCodePublic,
    PairingOwnerPublic,
)
from doorstep.hub.homes.schemas import CameraHealthReport, CameraPublic
from doorstep.hub.keys.service import current_home_key
from doorstep.hub.schemas import Page

router = APIRouter(prefix="/v1", tags=["devices"])


@router.post("/homes/{home_id}/pairing-codes", status_code=status.HTTP_201_CREATED)
def create_pairing_code(
    home_id: uuid.UUID,
    body: PairingCodeCreate,
    user: CurrentResident,
    session: SessionDep,
    state: StateDep,
) -> PairingCodePublic:
    """The hub's part of a pairing code; the owner's client adds the secret part."""
    issued = service.create_pairing_code(
        session,
        settings=state.settings,
        secret_key=state.secret_key,
        user=user,
        home_id=home_id,
        owner_tag=body.owner_tag,
    )
    return PairingCodePublic(id=issued.id, code=issued.code, expires_at=issued.expires_at)


@router.post("/devices/pairing-owner")
def pairing_owner(
    body: PairingCodeBody, request: Request, session: SessionDep, state: StateDep
) -> PairingOwnerPublic:
    """Who made a code: the edge checks the owner's key against the code before pairing.

    Anyone may ask; a bad code counts like a failed pairing. The code stays unused.
    """
    owner = service.pairing_owner(
        session,
        settings=state.settings,
        secret_key=state.secret_key,
        code=body.code,
        address=client_address(request),
    )
    return PairingOwnerPublic.model_validate(owner)


@router.post("/devices/pair", status_code=status.HTTP_201_CREATED)
def pair_device(
    body: DevicePair, request: Request, session: SessionDep, state: StateDep
) -> DevicePaired:
    """Trade a pairing code for the device's token (no account needed: the code is the proof)."""
    paired = service.pair_device(
        session,
        settings=state.settings,
        secret_key=state.secret_key,
        code=body.code,
        name=body.name,
        public_key=body.public_key,
        device_tag=body.device_tag,
        address=client_address(request),
    )
    return DevicePaired(device=DevicePublic.model_validate(paired.device), token=paired.token)


@router.get("/homes/{home_id}/devices")
def list_devices(
    home_id: uuid.UUID, user: CurrentResident, session: SessionDep
) -> Page[DevicePublic]:
    devices = service.list_devices(session, user=user, home_id=home_id)
    return Page(data=[DevicePublic.model_validate(d) for d in devices], count=len(devices))


@router.delete("/devices/{device_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_device(device_id: uuid.UUID, user: CurrentResident, session: SessionDep) -> None:
    """Revoke the device and its token; clips it signed before stay verifiable."""
    service.revoke_device(session, user=user, device_id=device_id)


@router.get("/device")
def device_config(device: CurrentDevice, session: SessionDep) -> DeviceConfig:
    """The device, its home's cameras, and the home key it wraps every clip key to."""
    cameras = service.device_cameras(session, device=device)
    home_key = current_home_key(session, home_id=device.home_id)
    return DeviceConfig(
        device=DevicePublic.model_validate(device),
        cameras=[CameraPublic.model_validate(c) for c in cameras],
        home_key=DeviceHomeKey.model_validate(home_key) if home_key else None,
    )


@router.put("/device/cameras/{camera_id}/health")
def report_camera_health(
    camera_id: uuid.UUID, body: CameraHealthReport, device: CurrentDevice, session: SessionDep
) -> CameraPublic:
    """The edge device's latest view of one camera: connected, frame rate, errors."""
    camera = service.report_camera_health(session, device=device, camera_id=camera_id, report=body)
    return CameraPublic.model_validate(camera)
