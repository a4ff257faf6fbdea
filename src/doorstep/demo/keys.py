"""Keys for the demo neighbourhood, made the way each client would make its own.

`doorstep up` plays every demo resident's client once, on first start: it makes each
resident's key pair, seals the private key under their (printed) password as the
passphrase, and makes each home's key, wrapped to its household. The private keys
are then forgotten; a resident recovers theirs with `doorstep keys recover`. It plays
the demo police bureau's client too: the agency's private key goes to a 0600 file,
the hub gets only the public key.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.agency.keys import save_agency_key
from doorstep.crypto.envelope import home_subject, wrap_key
from doorstep.crypto.keys import key_id, private_raw, public_raw, x25519_public
from doorstep.crypto.passphrase import seal_private_key
from doorstep.demo.neighbourhood import OFFICER_EMAIL, DemoAccount
from doorstep.hub.accounts.models import Role, User
from doorstep.hub.agencies.service import set_agency_key
from doorstep.hub.homes.models import HomeMember, HouseholdRole
from doorstep.hub.keys.service import Grant, member_keys, rotate_home_key, set_user_key


def create_demo_keys(session: Session, accounts: Sequence[DemoAccount]) -> None:
    keyed = set()
    for account in accounts:
        if account.role != Role.RESIDENT.value:
            continue
        keyed.add(account.email)
        user = session.scalars(select(User).where(User.email == account.email)).one()
        private = X25519PrivateKey.generate()
        box = seal_private_key(private, account.password)
        set_user_key(session, user=user, public_key=public_raw(private.public_key()), box=box)
    owners = session.execute(
        select(HomeMember.home_id, User)
        .join(User, User.id == HomeMember.user_id)
        .where(HomeMember.role == HouseholdRole.OWNER)
    ).all()
    for home_id, owner in owners:
        if owner.email not in keyed:
            continue  # an owner without a printed password gets no key, so no home key either
        make_home_key(session, owner=owner, home_id=home_id)


def create_demo_agency_key(session: Session, *, path: Path) -> None:
    """The demo officer's agency key pair: the private key to ``path`` (0600), the public
    key to the hub. Replaced with the database it belongs to."""
    officer = session.scalars(select(User).where(User.email == OFFICER_EMAIL)).one()
    private = X25519PrivateKey.generate()
    save_agency_key(path, private, replace=True)
    set_agency_key(session, member=officer, public_key=public_raw(private.public_key()))


def make_home_key(session: Session, *, owner: User, home_id: uuid.UUID) -> X25519PrivateKey:
    """A new current home key, wrapped to every member with a key, as the owner's client would.

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
        for _, key in member_keys(session, user=owner, home_id=home_id)
        if key is not None
    ]
    rotate_home_key(
        session,
        user=owner,
        home_id=home_id,
        public_key=public_raw(home_key.public_key()),
        grants=grants,
    )
    return home_key
