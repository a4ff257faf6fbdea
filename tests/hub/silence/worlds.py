"""Worlds that differ in one home's answer, each built from scratch in the same order.

Every world has the same police agency with its key, a control home that shares its
clip (so the agency's evidence package holds something), and one subject home whose
camera also recorded in the request's window. Only the subject home's state differs,
and it gets there through the routes its owner would use:

- ``declined``: it got the request and declined it;
- ``opted_out``: it turned requests off before the request was filed;
- ``kind_excluded``: before the request, it accepted only fire and public health;
- ``quiet_hours``: the request was filed inside its quiet hours;
- ``never_answered``: it got the request and did nothing.

Each world gets a database of its own (a fresh SQLite file, or the PostgreSQL test
schema emptied) and a fresh hub over it with the same secret key.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr

from doorstep.hub.app import create_app
from doorstep.hub.db import make_engine
from doorstep.hub.state import HubState
from doorstep.settings import Settings
from tests.database import empty_tables
from tests.hub.actors import Actors
from tests.hub.shares import scene
from tests.hub.silence.surface import Ids

DECLINED = "declined"
OPTED_OUT = "opted_out"
KIND_EXCLUDED = "kind_excluded"
QUIET_HOURS = "quiet_hours"
NEVER_ANSWERED = "never_answered"
STATES = (DECLINED, OPTED_OUT, KIND_EXCLUDED, QUIET_HOURS, NEVER_ANSWERED)

SECRET_KEY = SecretStr("test-secret-key-" + "x" * 32)
# The subject home's settings, set before the request is filed (states not listed set none).
NOT_POLICE = ["fire", "public_health"]


def quiet_now(now: datetime) -> dict[str, Any]:
    """Quiet hours (UTC) from an hour ago to two hours from now."""
    minute = now.hour * 60 + now.minute
    start, end = (minute - 60) % 1440, (minute + 120) % 1440
    return {
        "quiet_start": f"{start // 60:02d}:{start % 60:02d}",
        "quiet_end": f"{end // 60:02d}:{end % 60:02d}",
        "time_zone": "UTC",
    }


def settings_before(state: str) -> dict[str, Any] | None:
    settings: dict[str, dict[str, Any]] = {
        OPTED_OUT: {"receive": False},
        KIND_EXCLUDED: {"agency_kinds": NOT_POLICE},
        QUIET_HOURS: quiet_now(datetime.now(UTC)),
    }
    return settings.get(state)


@dataclass
class World:
    state: str
    hub: HubState
    client: AsyncClient
    agency: scene.Agency
    subject: scene.Home
    ids: Ids
    took: str  # "" when the subject home is in ``state`` as its owner sees it, else why not


def database_for(database_url: str, folder: Path) -> str:
    """A database of the world's own: a copy of the migrated SQLite file, or the
    PostgreSQL schema emptied (worlds are built one after another)."""
    if database_url.startswith("sqlite:///"):
        copy = folder / "doorstep.db"
        shutil.copyfile(database_url.removeprefix("sqlite:///"), copy)
        return f"sqlite:///{copy}"
    engine = make_engine(database_url)
    empty_tables(engine)
    engine.dispose()
    return database_url


@asynccontextmanager
async def world(state: str, database_url: str, folder: Path) -> AsyncIterator[World]:
    folder.mkdir()
    settings = Settings(
        data_dir=folder,
        database_url=database_for(database_url, folder),
        storage_url=(folder / "blobs").as_uri(),
        bus_url="memory://",
        secret_key=SECRET_KEY,
        # Checkpoints only when the package asks for one, not at the timer's whim.
        audit_checkpoint_interval_s=86400.0,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app, client=("198.51.100.7", 50000))
        async with AsyncClient(transport=transport, base_url="http://hub.test") as client:
            yield await build(state, app.state.hub, client)


async def build(state: str, hub: HubState, client: AsyncClient) -> World:
    actors = Actors(hub=hub, client=client)
    agency = await scene.agency(
        actors, client, email="desk@riverside-police.example", name="Riverside Police"
    )
    control = await scene.home_with_clip(actors, client, email="control@homes.example")
    subject = await scene.home_with_clip(actors, client, email="subject@homes.example")
    if (settings := settings_before(state)) is not None:
        response = await client.put(
            f"/v1/homes/{subject.home_id}/request-settings",
            json=settings,
            headers=subject.owner.headers,
        )
        assert response.status_code == 200, response.text
    request = await scene.file_request(client, agency)
    share = await scene.share(client, actors, control, agency, request["id"])
    if state == DECLINED:
        entry = await scene.delivery_of(client, subject, request["id"])
        response = await client.post(
            f"/v1/inbox/{entry['id']}/decline", headers=subject.owner.headers
        )
        assert response.status_code == 200, response.text
    took = await state_taken(state, client, subject, request["id"])
    package = await client.get(
        f"/v1/agency/shares/{share['id']}/package", headers=agency.member.headers
    )
    assert package.status_code == 200, package.text
    checkpoint = (await client.get("/v1/audit/checkpoint")).json()
    ids = Ids(request_id=request["id"], share_id=share["id"], log_size=checkpoint["size"])
    return World(state, hub, client, agency, subject, ids, took)


async def state_taken(state: str, client: AsyncClient, home: scene.Home, request_id: str) -> str:
    """ "" if the subject home is in ``state`` as its owner sees it, else what it is in."""
    headers = home.owner.headers
    inbox = (await client.get("/v1/inbox", headers=headers)).json()["data"]
    answers = [entry["answer"] for entry in inbox if entry["request"]["id"] == request_id]
    notified = (await client.get("/v1/me/notifications", headers=headers)).json()["count"]
    expected = {
        DECLINED: (["declined"], 1),
        OPTED_OUT: ([], 0),
        KIND_EXCLUDED: ([], 0),
        QUIET_HOURS: (["pending"], 0),  # delivered, its notice held until the quiet ends
        NEVER_ANSWERED: (["pending"], 1),
    }[state]
    if (answers, notified) == expected:
        return ""
    return (
        f"the {state} home's inbox holds {answers} with {notified} notice(s) due; "
        f"expected {expected[0]} with {expected[1]}"
    )
