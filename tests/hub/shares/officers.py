"""An agency officer on a served hub (``tests/conftest.py``'s ``served_hub``), made as an
admin would, signed in through the API."""

from __future__ import annotations

from pathlib import Path

import httpx
from pydantic import SecretStr

from doorstep.hub.agencies.models import AgencyKind
from doorstep.hub.agencies.service import add_agency_member, create_agency, verify_agency
from doorstep.hub.db import make_engine, make_session_factory
from doorstep.owner.api import HubApi
from doorstep.settings import Settings
from tests.hub.actors import JURISDICTION
from tests.lying_hub import ServedHub

OFFICER = "officer@agency.doorstep.example"


def served_officer(served: ServedHub, tmp_path: Path) -> HubApi:
    """The one member of a new verified agency, signed in (an API token)."""
    password = _officer(served, tmp_path)
    return HubApi(served.url, _token(served.url, OFFICER, password))


def _officer(served: ServedHub, tmp_path: Path) -> str:
    """A verified agency with one member, made on the hub's database as an admin would."""
    settings = Settings(
        data_dir=tmp_path / "admin",
        database_url=served.database_url,
        secret_key=SecretStr("served-hub-secret-key-long-enough-0123"),
    )
    engine = make_engine(served.database_url)
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
        _, password = add_agency_member(
            session,
            actor=None,
            settings=settings,
            agency_id=agency.id,
            email=OFFICER,
            display_name="Officer",
        )
        session.commit()
    engine.dispose()
    return password


def _token(url: str, email: str, password: str) -> str:
    with httpx.Client(base_url=url) as http:
        csrf = http.post("/v1/auth/login", json={"email": email, "password": password})
        issued = http.post(
            "/v1/auth/tokens",
            json={"name": "tests"},
            headers={"X-CSRF-Token": csrf.json()["csrf_token"]},
        )
        token: str = issued.json()["token"]
        return token
