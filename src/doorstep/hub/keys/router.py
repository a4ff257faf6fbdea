"""Keys: your own key, a home's keys, grants and signed key lists, and a clip's wrapped keys.

Every route that serves a public key serves the proof of its audit entry beside it.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from sqlalchemy.orm import Session

from doorstep.crypto.keys import fingerprint, key_id
from doorstep.hub.audit.keyproof import key_proof
from doorstep.hub.clips.service import get_clip
from doorstep.hub.deps import CurrentDevice, CurrentResident, SessionDep, StateDep
from doorstep.hub.devices.models import EdgeDevice
from doorstep.hub.homes.models import HouseholdRole
from doorstep.hub.homes.service import membership
from doorstep.hub.keys import lists, service
from doorstep.hub.keys.models import HomeKeyList, KeyScope, UserKey
from doorstep.hub.keys.schemas import (
    ClipKeyPublic,
    ClipKeys,
    ClipShare,
    HomeKeyGrantSet,
    HomeKeyPublic,
    HomeKeyRotate,
    HomeKeys,
    KeyListPublic,
    KeyLists,
    MemberKeyPublic,
    SignedKeyListBody,
    UserKeyPublic,
    UserKeyRecovery,
    UserKeySet,
)
from doorstep.hub.params import ListVersion
from doorstep.hub.schemas import Page
from doorstep.hub.state import HubState

router = APIRouter(prefix="/v1", tags=["keys"])

KeyIdParam = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="32 hex digits")]


AfterVersion = Annotated[ListVersion, Query(description="Only versions above this one.")]


def _user_key(session: Session, state: HubState, row: UserKey) -> UserKeyPublic:
    return UserKeyPublic(
        id=row.id,
        fingerprint=fingerprint(row.id),
        public_key=row.public_key,
        signing_key=row.signing_key,
        signing_key_id=key_id(row.signing_key),
        created_at=row.created_at,
        proof=key_proof(session, state, row.audit_index),
    )


def _key_lists(
    session: Session, state: HubState, home_id: uuid.UUID, rows: list[HomeKeyList]
) -> KeyLists:
    data = [
        KeyListPublic(
            version=row.version,
            body=row.body,
            signer=row.signer,
            signature=row.signature,
            proof=key_proof(session, state, row.audit_index),
        )
        for row in rows
    ]
    return KeyLists(home_id=home_id, data=data, count=len(data))


@router.put("/me/key")
def set_my_key(
    body: UserKeySet, user: CurrentResident, session: SessionDep, state: StateDep
) -> UserKeyPublic:
    """Publish your public keys and your passphrase-sealed private key (made on your client)."""
    row = service.set_user_key(
        session,
        user=user,
        public_key=body.public_key,
        box=body.private_key_box,
        signing_key=body.signing_key,
        binding_signature=body.binding_signature,
    )
    return _user_key(session, state, row)


@router.get("/me/key")
def get_my_key(user: CurrentResident, session: SessionDep, state: StateDep) -> UserKeyRecovery:
    """Your keys and the passphrase box, to recover the private key on a new client."""
    row = service.get_user_key(session, user=user)
    public = _user_key(session, state, row)
    return UserKeyRecovery(**dict(public), private_key_box=row.private_key_box)


@router.get("/homes/{home_id}/member-keys")
def list_member_keys(
    home_id: uuid.UUID, user: CurrentResident, session: SessionDep, state: StateDep
) -> Page[MemberKeyPublic]:
    """Household members' public keys with their proofs, for the owner's client to check and
    wrap the home key to."""
    rows = service.member_keys(session, user=user, home_id=home_id)
    data = [
        MemberKeyPublic(
            user_id=member.id,
            display_name=member.display_name,
            owner=role == HouseholdRole.OWNER,
            key_id=key.id if key else None,
            public_key=key.public_key if key else None,
            signing_key=key.signing_key if key else None,
            binding_signature=key.binding_signature if key else None,
            proof=key_proof(session, state, key.audit_index) if key else None,
        )
        for member, role, key in rows
    ]
    return Page(data=data, count=len(data))


@router.get("/homes/{home_id}/key-lists")
def list_key_lists(
    home_id: uuid.UUID,
    user: CurrentResident,
    session: SessionDep,
    state: StateDep,
    after: AfterVersion = 0,
) -> KeyLists:
    """The home's owner-signed key lists above version ``after``, oldest first (100 a page)."""
    membership(session, user=user, home_id=home_id)
    return _key_lists(session, state, home_id, lists.lists_after(session, home_id, after=after))


@router.put("/homes/{home_id}/key-list", status_code=status.HTTP_201_CREATED)
def put_key_list(
    home_id: uuid.UUID,
    body: SignedKeyListBody,
    user: CurrentResident,
    session: SessionDep,
    state: StateDep,
) -> KeyListPublic:
    """Owner: the home's next key list, signed on your client; 409 if another came first."""
    membership(session, user=user, home_id=home_id, owner=True)
    row = lists.store_list(session, user=user, home_id=home_id, given=body.signed())
    return _key_lists(session, state, home_id, [row]).data[0]


@router.get("/device/key-lists")
def list_device_key_lists(
    device: CurrentDevice, session: SessionDep, state: StateDep, after: AfterVersion = 0
) -> KeyLists:
    """The device's home's owner-signed key lists above version ``after``, oldest first."""
    home_id = device.home_id
    return _key_lists(session, state, home_id, lists.lists_after(session, home_id, after=after))


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
    """Owner: a new home key for clips from now on, wrapped to every member with a key, and
    the key list you signed that makes it current."""
    grants = [service.Grant(g.user_key_id, g.wrapped_key) for g in body.grants]
    row = service.rotate_home_key(
        session,
        user=user,
        home_id=home_id,
        public_key=body.public_key,
        grants=grants,
        key_list=body.key_list.signed(),
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


ScopeParam = Annotated[KeyScope, Query(description="The clip's own key, or its twin's.")]


@router.get("/clips/{clip_id}/keys")
def list_clip_keys(
    clip_id: uuid.UUID,
    user: CurrentResident,
    session: SessionDep,
    scope: ScopeParam = KeyScope.CLIP,
) -> ClipKeys:
    """The clip's wrapped keys you can open, and the device key that signed it."""
    clip = get_clip(session, user=user, clip_id=clip_id)
    device = session.get(EdgeDevice, clip.device_id) if clip.device_id else None
    rows = service.clip_keys_for(session, user=user, clip=clip, scope=scope)
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
        scope=body.scope,
    )
    return ClipKeyPublic.model_validate(row)


@router.delete("/clips/{clip_id}/keys/{recipient_key_id}", status_code=status.HTTP_204_NO_CONTENT)
def unshare_clip(
    clip_id: uuid.UUID,
    recipient_key_id: KeyIdParam,
    user: CurrentResident,
    session: SessionDep,
    scope: ScopeParam = KeyScope.CLIP,
) -> None:
    """Owner: delete a shared key; the recipient can no longer open the clip (or its twin)."""
    clip = get_clip(session, user=user, clip_id=clip_id, owner=True)
    service.unshare_clip(
        session, user=user, clip=clip, recipient_key_id=recipient_key_id, scope=scope
    )
