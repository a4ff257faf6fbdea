"""Homes' key lists: every version an owner signed, checked before the hub stores it.

The hub runs the clients' own rules (``crypto/keylist.py`` ``verify_list``) against the
newest version it holds, and checks the list against what it knows: the signer is a
current owner's signing key, every member listed is a current member with the keys
they published, every device is one of the home's, and the current home key is the
home's current key. A list that passes is stored with its ``home_keys.signed`` entry.
The hub can't sign one: clients check the signatures, not the hub.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from doorstep.audit.entries import key_label
from doorstep.crypto.keylist import KeyList, SignedKeyList, parse_list, verify_list
from doorstep.crypto.keys import key_id
from doorstep.errors import Conflict, CryptoError, InvalidInput
from doorstep.hub.accounts.models import User
from doorstep.hub.audit.service import append_home_entry
from doorstep.hub.devices.models import EdgeDevice
from doorstep.hub.homes.models import HomeMember, HouseholdRole
from doorstep.hub.keys.models import HomeKey, HomeKeyList, UserKey

PAGE = 100


def signed(row: HomeKeyList) -> SignedKeyList:
    return SignedKeyList(
        version=row.version, body=row.body, signer=row.signer, signature=row.signature
    )


def newest_list(session: Session, home_id: uuid.UUID) -> HomeKeyList | None:
    return session.scalar(
        select(HomeKeyList)
        .where(HomeKeyList.home_id == home_id)
        .order_by(HomeKeyList.version.desc())
        .limit(1)
    )


def lists_after(session: Session, home_id: uuid.UUID, *, after: int) -> list[HomeKeyList]:
    """The home's key lists of versions above ``after``, oldest first, a page at a time."""
    return list(
        session.scalars(
            select(HomeKeyList)
            .where(HomeKeyList.home_id == home_id, HomeKeyList.version > after)
            .order_by(HomeKeyList.version)
            .limit(PAGE)
        )
    )


def _check_signer(session: Session, home_id: uuid.UUID, signer: bytes, field: str) -> None:
    owner_keys = set(
        session.scalars(
            select(UserKey.signing_key)
            .join(HomeMember, HomeMember.user_id == UserKey.user_id)
            .where(HomeMember.home_id == home_id, HomeMember.role == HouseholdRole.OWNER)
        )
    )
    if signer not in owner_keys:
        raise InvalidInput(
            f"{field}: the list is not signed by a current owner's signing key", field=field
        )


def _check_members(session: Session, key_list: KeyList, field: str) -> None:
    current = {
        member.user_id: (member.role, key)
        for member, key in session.execute(
            select(HomeMember, UserKey)
            .outerjoin(UserKey, UserKey.user_id == HomeMember.user_id)
            .where(HomeMember.home_id == key_list.home_id)
        ).all()
    }
    for listed in key_list.members:
        role, key = current.get(listed.user_id, (None, None))
        if role is None:
            raise InvalidInput(
                f"{field}: member {listed.user_id} is not a member of this home", field=field
            )
        if key is None or (key.id, key.public_key, key.signing_key) != (
            listed.key_id,
            listed.public_key,
            listed.signing_key,
        ):
            raise InvalidInput(
                f"{field}: member {listed.user_id} is listed with keys they have not published",
                field=field,
            )
        if listed.owner != (role == HouseholdRole.OWNER):
            raise InvalidInput(
                f"{field}: member {listed.user_id} is listed as "
                f"{'an owner' if listed.owner else 'not an owner'}, which they are not",
                field=field,
            )


def _check_devices(session: Session, key_list: KeyList, field: str) -> None:
    devices = {
        device.id: device
        for device in session.scalars(
            select(EdgeDevice).where(EdgeDevice.home_id == key_list.home_id)
        )
    }
    for listed in key_list.devices:
        device = devices.get(listed.device_id)
        if device is None or device.public_key != listed.public_key:
            raise InvalidInput(
                f"{field}: device {listed.device_id} is not one of this home's devices "
                "with that key",
                field=field,
            )


def _check_home_keys(session: Session, key_list: KeyList, field: str) -> None:
    keys = {
        key.id: key
        for key in session.scalars(
            select(HomeKey)
            .where(HomeKey.home_id == key_list.home_id)
            .execution_options(populate_existing=True)  # a rotation retired one just now
        )
    }
    for listed in key_list.home_keys:
        known = keys.get(listed.id)
        if known is None or known.public_key != listed.public_key:
            raise InvalidInput(
                f"{field}: home key {listed.id} is not one of this home's keys", field=field
            )
    current = key_list.current_home_key()
    if keys[current.id].retired_at is not None:
        raise InvalidInput(
            f"{field}: the list's current home key {current.id} is retired; "
            "list the home's current key",
            field=field,
        )


def store_list(
    session: Session, *, user: User, home_id: uuid.UUID, given: SignedKeyList, prefix: str = ""
) -> HomeKeyList:
    """Check ``given`` as the home's next key list and store it.

    Conflict when its version is not newer than the newest stored (someone signed one
    first); else InvalidInput naming the list's ``body`` or ``signer`` (after ``prefix``,
    where the list is a field of a larger body).
    """
    field = f"{prefix}body"
    newest = newest_list(session, home_id)
    if newest is not None and given.version <= newest.version:
        raise Conflict(
            f"key list version {given.version} is stale: version {newest.version} is stored; "
            "fetch the newest list and sign the next one"
        )
    _check_signer(session, home_id, given.signer, f"{prefix}signer")
    try:
        previous = None if newest is None else parse_list(signed(newest))
        key_list = verify_list(given, home_id=home_id, previous=previous)
    except CryptoError as exc:
        raise InvalidInput(f"{field}: {exc.detail}", field=field) from exc
    _check_members(session, key_list, field)
    _check_devices(session, key_list, field)
    _check_home_keys(session, key_list, field)
    index = append_home_entry(
        session,
        action="home_keys.signed",
        actor=user,
        home_id=home_id,
        objects={
            "label": key_label("home", home_id),
            "version": key_list.version,
            "list_sha256": key_list.digest(),
            "signing_key_id": key_id(given.signer),
        },
    )
    row = HomeKeyList(
        home_id=home_id,
        version=given.version,
        body=given.body,
        signer=given.signer,
        signature=given.signature,
        audit_index=index,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:  # the same version, stored by another request meanwhile
        raise Conflict(
            f"key list version {given.version} is stale: another was stored meanwhile; "
            "fetch the newest list and sign the next one"
        ) from exc
    return row
