"""Keys for the demo neighbourhood, made the way each client would make its own.

`doorstep up` plays every demo resident's client once, on first start: it makes each
resident's key pair (with the signing key derived from it), seals the private key under
their (printed) password as the passphrase, and makes each home's key, wrapped to its
household, with the key list version 1 its owner signs. The private keys are then
forgotten; a resident recovers theirs with `doorstep keys recover`. Demo keys are for
trying Doorstep only: the hub saw the passphrase at every sign-in. It plays the demo
police bureau's client too: the agency's private key goes to a 0600 file, the hub gets
only the public key.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.agency.keys import save_agency_key
from doorstep.crypto.envelope import home_subject, wrap_key
from doorstep.crypto.format import BoxParameters
from doorstep.crypto.keylist import (
    KeyList,
    ListedDevice,
    ListedHomeKey,
    Member,
    next_list,
    parse_list,
    sign_list,
    with_home_key,
)
from doorstep.crypto.keys import key_id, private_raw, public_raw, x25519_public
from doorstep.crypto.passphrase import seal_private_key
from doorstep.crypto.signing_keys import binding_signature, signing_key_of
from doorstep.demo.neighbourhood import OFFICER_EMAIL, DemoAccount
from doorstep.hub.accounts.models import Role, User
from doorstep.hub.agencies.service import set_agency_key
from doorstep.hub.devices.models import EdgeDevice
from doorstep.hub.homes.models import HomeMember, HouseholdRole
from doorstep.hub.homes.service import home_owner_ids
from doorstep.hub.keys.lists import newest_list, signed, store_list
from doorstep.hub.keys.models import HomeKeyList, UserKey
from doorstep.hub.keys.service import Grant, member_keys, rotate_home_key, set_user_key


def create_demo_keys(
    session: Session, accounts: Sequence[DemoAccount]
) -> dict[uuid.UUID, X25519PrivateKey]:
    """Every demo resident's keys, and every home's key and first key list; returns the
    private keys by user id, for the rest of the first start to sign with."""
    keys: dict[uuid.UUID, X25519PrivateKey] = {}
    for account in accounts:
        if account.role != Role.RESIDENT.value:
            continue
        user = session.scalars(select(User).where(User.email == account.email)).one()
        keys[user.id] = publish_user_key(session, user=user, passphrase=account.password)
    owners = session.execute(
        select(HomeMember.home_id, User)
        .join(User, User.id == HomeMember.user_id)
        .where(HomeMember.role == HouseholdRole.OWNER)
    ).all()
    for home_id, owner in owners:
        if owner.id not in keys:
            continue  # an owner without a printed password gets no key, so no home key either
        make_home_key(session, owner=owner, owner_key=keys[owner.id], home_id=home_id)
    return keys


def publish_user_key(
    session: Session, *, user: User, passphrase: str, parameters: BoxParameters | None = None
) -> X25519PrivateKey:
    """A new key pair for ``user``, published with its signing key and passphrase box, as
    their client would (``doorstep keys generate``); returns the private key."""
    private = X25519PrivateKey.generate()
    box = (
        seal_private_key(private, passphrase)
        if parameters is None
        else seal_private_key(private, passphrase, parameters=parameters)
    )
    set_user_key(
        session,
        user=user,
        public_key=public_raw(private.public_key()),
        box=box,
        signing_key=public_raw(signing_key_of(private).public_key()),
        binding_signature=binding_signature(private),
    )
    return private


def create_demo_agency_key(session: Session, *, path: Path) -> None:
    """The demo officer's agency key pair: the private key to ``path`` (0600), the public
    key to the hub. Replaced with the database it belongs to."""
    officer = session.scalars(select(User).where(User.email == OFFICER_EMAIL)).one()
    private = X25519PrivateKey.generate()
    save_agency_key(path, private, replace=True)
    set_agency_key(session, member=officer, public_key=public_raw(private.public_key()))


def make_home_key(
    session: Session, *, owner: User, owner_key: X25519PrivateKey, home_id: uuid.UUID
) -> X25519PrivateKey:
    """A new current home key, wrapped to every member with a key and listed in the next
    key list ``owner_key`` signs, as the owner's client would.

    Works on the hub's database directly, for the demo and tests; a real client goes
    through the API (``doorstep.owner.keys.rotate_home_key``).
    """
    home_key = X25519PrivateKey.generate()
    subject = home_subject(key_id(home_key.public_key()))
    grants = [
        Grant(
            key.id,
            wrap_key(
                private_raw(home_key), recipient=x25519_public(key.public_key), subject=subject
            ),
        )
        for _, _, key in member_keys(session, user=owner, home_id=home_id)
        if key is not None
    ]
    key_list = next_key_list(session, home_id, new_home_key=public_raw(home_key.public_key()))
    rotate_home_key(
        session,
        user=owner,
        home_id=home_id,
        public_key=public_raw(home_key.public_key()),
        grants=grants,
        key_list=sign_list(key_list, signing_key_of(owner_key)),
    )
    return home_key


def sign_key_list(
    session: Session, *, owner: User, owner_key: X25519PrivateKey, home_id: uuid.UUID
) -> HomeKeyList:
    """Sign and store the home's next key list as the hub's rows stand (after a device is
    paired or a member joins), as the owner's client would."""
    key_list = sign_list(next_key_list(session, home_id), signing_key_of(owner_key))
    return store_list(session, user=owner, home_id=home_id, given=key_list)


def next_key_list(
    session: Session, home_id: uuid.UUID, *, new_home_key: bytes | None = None
) -> KeyList:
    """The next version of the home's key list: its members with keys and its devices as the
    hub holds them, and ``new_home_key`` (if given) as the current home key.

    The demo's and tests' stand-in for the owner's client, which trusts the hub's rows
    here; a real client checks each key's proof and the member's id first.
    """
    newest = newest_list(session, home_id)
    previous = None if newest is None else parse_list(signed(newest))
    members = [
        Member(user_id, role == HouseholdRole.OWNER, key.id, key.public_key, key.signing_key)
        for user_id, role, key in session.execute(
            select(HomeMember.user_id, HomeMember.role, UserKey)
            .join(UserKey, UserKey.user_id == HomeMember.user_id)
            .where(HomeMember.home_id == home_id)
        ).all()
    ]
    devices = [
        ListedDevice(
            device.id, key_id(device.public_key), device.public_key, device.revoked_at is not None
        )
        for device in session.scalars(select(EdgeDevice).where(EdgeDevice.home_id == home_id))
    ]
    present = {member.user_id for member in members}
    removed = [
        (member.user_id, member.key_id)
        for member in (previous.members if previous else ())
        if member.user_id not in present
    ]
    if new_home_key is None:
        home_keys = None
    elif previous is None:
        home_keys = [ListedHomeKey(key_id(new_home_key), new_home_key, 1, retired=False)]
    else:
        home_keys = list(with_home_key(previous, new_home_key).home_keys)
    return next_list(
        previous,
        home_id=home_id,
        members=members,
        home_keys=home_keys,
        devices=devices,
        removed=removed,
    )


def list_demo_device(
    session: Session, keys: Mapping[uuid.UUID, X25519PrivateKey], device: EdgeDevice
) -> HomeKeyList:
    """List a newly paired demo device in its home's next key list, signed by the owner
    with the key ``create_demo_keys`` made."""
    owner_id = home_owner_ids(session, device.home_id)[0]
    owner = session.get_one(User, owner_id)
    return sign_key_list(session, owner=owner, owner_key=keys[owner_id], home_id=device.home_id)
