"""A verified agency with one officer, made on a hub's database as an admin would."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from doorstep.hub.agencies.models import AgencyKind
from doorstep.hub.agencies.service import (
    add_agency_member,
    create_agency,
    set_agency_key,
    verify_agency,
)
from doorstep.hub.db import make_engine, make_session_factory
from doorstep.settings import Settings
from tests.hub.actors import JURISDICTION

OFFICER = "officer@agency.doorstep.example"


@dataclass(frozen=True)
class MadeAgency:
    id: uuid.UUID
    password: str  # the officer's first password


def make_agency(
    database_url: str, data_dir: Path, *, public_key: bytes | None = None
) -> MadeAgency:
    """ "Test Police", verified, with OFFICER as its member (and ``public_key`` as its key)."""
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=SecretStr("agency-tests-secret-key-long-enough-0123"),
    )
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            agency = create_agency(
                session,
                actor=None,
                name="Test Police",
                kind=AgencyKind.POLICE,
                contact_email="records@agency.doorstep.example",
                jurisdiction=JURISDICTION,
            )
            verify_agency(session, actor=None, agency_id=agency.id)
            officer, password = add_agency_member(
                session,
                actor=None,
                settings=settings,
                agency_id=agency.id,
                email=OFFICER,
                display_name="Officer",
            )
            if public_key is not None:
                set_agency_key(session, member=officer, public_key=public_key)
            session.commit()
            return MadeAgency(id=agency.id, password=password)
    finally:
        engine.dispose()
