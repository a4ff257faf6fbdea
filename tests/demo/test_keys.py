"""The demo's keys: each resident's keys recover from their printed password, each home's
key list is signed by its owner, and the demo edge is in its home's list."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import select

from doorstep.crypto.keylist import KeyList, SignedKeyList, verify_chain
from doorstep.crypto.keys import public_raw
from doorstep.crypto.passphrase import open_private_key
from doorstep.crypto.signing_keys import signing_key_of, verify_binding
from doorstep.demo.neighbourhood import RESIDENT_EMAIL, demo_home
from doorstep.demo.start import prepare_demo
from doorstep.hub.accounts.models import User
from doorstep.hub.audit.service import session_info
from doorstep.hub.db import make_engine, make_session_factory
from doorstep.hub.devices.models import EdgeDevice
from doorstep.hub.homes.models import HomeMember, HouseholdRole
from doorstep.hub.keys.models import HomeKeyList, UserKey
from doorstep.settings import Settings


def test_demo_homes_have_owner_signed_key_lists(tmp_path: Path, database_url: str) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    accounts = prepare_demo(settings, hub_url="http://127.0.0.1:9", live_port=9)
    passwords = {account.email: account.password for account in accounts}
    engine = make_engine(database_url)
    sessions = make_session_factory(engine, info=session_info(settings.resolved_secret_key()))
    with sessions() as session:
        keys = {
            user.email: key
            for user, key in session.execute(
                select(User, UserKey).join(UserKey, UserKey.user_id == User.id)
            ).all()
        }
        assert RESIDENT_EMAIL in keys
        for email, key in keys.items():
            private = open_private_key(
                key.private_key_box, passwords[email], expected_key_id=key.id
            )
            assert public_raw(signing_key_of(private).public_key()) == key.signing_key
            verify_binding(key.public_key, key.signing_key, key.binding_signature)
        owners = session.execute(
            select(HomeMember.home_id, UserKey.signing_key)
            .join(UserKey, UserKey.user_id == HomeMember.user_id)
            .where(HomeMember.role == HouseholdRole.OWNER)
        ).all()
        assert owners
        newest: dict[uuid.UUID, KeyList] = {}
        for home_id, owner_signing_key in owners:
            rows = session.scalars(
                select(HomeKeyList)
                .where(HomeKeyList.home_id == home_id)
                .order_by(HomeKeyList.version)
            ).all()
            lists = [SignedKeyList(r.version, r.body, r.signer, r.signature) for r in rows]
            newest[home_id] = verify_chain(
                lists, home_id=home_id, pinned=None, trusted_owners=[owner_signing_key]
            )
        home = demo_home(session)
        device = session.scalars(select(EdgeDevice).where(EdgeDevice.home_id == home.id)).one()
        assert newest[home.id].version == 2
        assert newest[home.id].device(device.public_key) is not None
    engine.dispose()
