"""Keys: your own key, a home's keys and grants, and the wrapped keys of a clip."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, status

from doorstep.crypto.keys import fingerprint
from doorstep.hub.clips.service import get_clip
from doorstep.hub.deps import CurrentResident, SessionDep
from doorstep.hub.devices.models import EdgeDevice
from doorstep.hub.keys import service
from doorstep.hub.keys.models import UserKey
from doorstep.hub.keys.schemas import (
    ClipKeyPublic,
    ClipKeys,
    ClipShare,
    HomeKeyGrantSet,
    HomeKeyPublic,
    HomeKeyRotate,
    HomeKeys,
    MemberKeyPublic,
    UserKeyPublic,
    UserKeyRecovery,
    UserKeySet,
)
from doorstep.hub.schemas import Page

router = APIRouter(prefix="/v1", tags=["keys"])

KeyIdParam = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="32 hex digits")]


def _user_key(row: UserKey) -> UserKeyPublic:
    return UserKeyPublic(
        id=row.id,
        fingerprint=fingerprint(row.id),
        public_key=row.public_key,
        created_at=row.created_at,
    )


@router.put("/me/key")
def set_my_key(body: UserKeySet, user: CurrentResident, session: SessionDep) -> UserKeyPublic:
    """Publish your public key and your passphrase-sealed private key (made on your client)."""
    row = service.set_user_key(
        session, user=user, public_key=body.public_key, box=body.private_key_box
    )
    return _user_key(row)


@router.get("/me/key")
def get_my_key(user: CurrentResident, session: SessionDep) -> UserKeyRecovery:
    """Your key and its passphrase box, to recover the private key on a new client."""
    row = service.get_user_key(session, user=user)
    public = _user_key(row)
    return UserKeyRecovery(**public.model_dump(), private_key_box=row.private_key_box)


@router.get("/homes/{home_id}/member-keys")
def list_member_keys(
    home_id: uuid.UUID, user: CurrentResident, session: SessionDep
) -> Page[MemberKeyPublic]:
    """Household members' public keys, for the owner's client to wrap the home key to."""
    rows = service.member_keys(session, user=user, home_id=home_id)
    data = [
        MemberKeyPublic(
            user_id=member.id,
            display_name=member.display_name,
            key_id=key.id if key else None,
            public_key=key.public_key if key else None,
        )
        for member, key in rows
    ]
    return Page(data=data, count=len(data))


@router.get("/homes/{home_id}/keys")
def list_home_keys(home_id: uuid.UUID, user: CurrentResident, session: SessionDep) -> HomeKeys:
    """The home's keys, current first, each with its private key wrapped to you if granted."""
    home, rows = service.home_keys(session, user=user, home_id=home_id)
    keys = [
        HomeKeyPublic(
            id=key.id,
            public_key=key.public_key,
            created_at=key.created_at,
            retired_at=key.retired_at,
            wrapped_for_me=grant.wrapped_key if grant else None,
        )
        for key, grant in rows
    ]
    return HomeKeys(home_id=home.id, rotation_due=home.key_rotation_due, keys=keys)


@router.post("/homes/{home_id}/keys", status_code=status.HTTP_201_CREATED)
def rotate_home_key(
    home_id: uuid.UUID, body: HomeKeyRotate, user: CurrentResident, session: SessionDep
) -> HomeKeyPublic:
    """Owner: a new home key for clips from now on, wrapped to every member with a key."""
    grants = [service.Grant(g.user_key_id, g.wrapped_key) for g in body.grants]
    row = service.rotate_home_key(
        session, user=user, home_id=home_id, public_key=body.public_key, grants=grants
    )
    return HomeKeyPublic.model_validate(row)


@router.put("/homes/{home_id}/keys/{home_key_id}/grants/{user_key_id}")
def grant_home_key(
    home_id: uuid.UUID,
    home_key_id: KeyIdParam,
    user_key_id: KeyIdParam,
    body: HomeKeyGrantSet,
    user: CurrentResident,
    session: SessionDep,
) -> HomeKeyPublic:
    """Owner: give a household member a home key, wrapped to their user key on your client."""
    service.grant_home_key(
        session,
        user=user,
        home_id=home_id,
        home_key_id=home_key_id,
        grant=service.Grant(user_key_id, body.wrapped_key),
    )
    return next(
        HomeKeyPublic.model_validate(key)
        for key, _ in service.home_keys(session, user=user, home_id=home_id)[1]
        if key.id == home_key_id
    )


@router.get("/clips/{clip_id}/keys")
def list_clip_keys(clip_id: uuid.UUID, user: CurrentResident, session: SessionDep) -> ClipKeys:
    """The clip's wrapped keys you can open, and the device key that signed it."""
    clip = get_clip(session, user=user, clip_id=clip_id)
    device = session.get(EdgeDevice, clip.device_id) if clip.device_id else None
    rows = service.clip_keys_for(session, user=user, clip=clip)
    return ClipKeys(
        clip_id=clip.id,
        home_id=clip.home_id,
        device_public_key=device.public_key if device else None,
        keys=[ClipKeyPublic.model_validate(row) for row in rows],
    )


@router.post("/clips/{clip_id}/keys", status_code=status.HTTP_201_CREATED)
def share_clip(
    clip_id: uuid.UUID, body: ClipShare, user: CurrentResident, session: SessionDep
) -> ClipKeyPublic:
    """Owner: record the clip's key re-wrapped on your client to a household member's key."""
    clip = get_clip(session, user=user, clip_id=clip_id, owner=True)
    row = service.share_clip(
        session,
        user=user,
        clip=clip,
        recipient_key_id=body.recipient_key_id,
        wrapped_key=body.wrapped_key,
    )
    return ClipKeyPublic.model_validate(row)


@router.delete("/clips/{clip_id}/keys/{recipient_key_id}", status_code=status.HTTP_204_NO_CONTENT)
def unshare_clip(
    clip_id: uuid.UUID,
    recipient_key_id: KeyIdParam,
    user: CurrentResident,
    session: SessionDep,
) -> None:
    """Owner: delete a shared key; the recipient can no longer open the clip."""
    clip = get_clip(session, user=user, clip_id=clip_id, owner=True)
    service.unshare_clip(session, user=user, clip=clip, recipient_key_id=recipient_key_id)
