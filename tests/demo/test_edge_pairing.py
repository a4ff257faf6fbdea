"""The demo edge is paired the way a real one is: it pins its home, the demo resident's
signing key and the hub's log key, and its device row carries its code and tag."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from doorstep.demo.neighbourhood import RESIDENT_EMAIL, demo_home
from doorstep.demo.start import edge_config_path, prepare_demo
from doorstep.edge.trust import TRUST_FILE, load_trust
from doorstep.hub.accounts.models import User
from doorstep.hub.audit.checkpoints import log_key
from doorstep.hub.audit.service import session_info
from doorstep.hub.db import make_engine, make_session_factory
from doorstep.hub.devices.models import EdgeDevice, PairingCode
from doorstep.hub.keys.models import UserKey
from doorstep.settings import Settings


def test_the_demo_edge_pins_its_owner_and_the_log(tmp_path: Path, database_url: str) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    prepare_demo(settings, hub_url="http://127.0.0.1:9", live_port=9)
    trust = load_trust(edge_config_path(settings).parent / "edge-data" / TRUST_FILE)
    secret_key = settings.resolved_secret_key()
    engine = make_engine(database_url)
    sessions = make_session_factory(engine, info=session_info(secret_key))
    with sessions() as session:
        signing_key = session.scalars(
            select(UserKey.signing_key).join(User).where(User.email == RESIDENT_EMAIL)
        ).one()
        home = demo_home(session)
        device = session.scalars(select(EdgeDevice)).one()
        code = session.get_one(PairingCode, device.pairing_code_id)
    engine.dispose()
    assert trust.home_id == home.id
    assert trust.owner_signing_keys == (signing_key,)
    assert trust.log_vkey == log_key(secret_key, settings.audit_origin).vkey()
    assert trust.key_list is None
    assert (code.home_id, code.device_id) == (home.id, device.id)
    assert code.owner_tag is not None and len(code.owner_tag) == 32
    assert device.pairing_tag is not None and len(device.pairing_tag) == 32
