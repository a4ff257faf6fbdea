"""An owner's share answers only an open request from an agency in good standing.

A withdrawn or closed request takes no answers, and a suspended agency receives no
clips: the owner's client may still offer them (it read the inbox earlier), and the
hub refuses, naming why, and records nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy import update

from doorstep.hub.accounts.models import Role
from doorstep.hub.requests.models import FootageRequest
from doorstep.hub.state import HubState
from tests.hub.actors import Actors
from tests.hub.shares import scene

# Something that happens after the owner's client prepared its share, before it is sent.
Change = Callable[[AsyncClient, HubState, scene.Agency, str], Awaitable[None]]


async def _withdraw(
    client: AsyncClient, hub: HubState, agency: scene.Agency, request_id: str
) -> None:
    response = await client.post(
        f"/v1/agency/requests/{request_id}/withdraw", headers=agency.member.headers
    )
    assert response.status_code == 200, response.text


async def _close(client: AsyncClient, hub: HubState, agency: scene.Agency, request_id: str) -> None:
    """Its open time ran out a minute ago (no housekeeping needed to notice)."""
    with hub.sessions() as session, session.begin():
        session.execute(
            update(FootageRequest)
            .where(FootageRequest.id == uuid.UUID(request_id))
            .values(open_until=datetime.now(UTC) - timedelta(minutes=1))
        )


async def _suspend(
    client: AsyncClient, hub: HubState, agency: scene.Agency, request_id: str
) -> None:
    agency_id = (await client.get("/v1/agency", headers=agency.member.headers)).json()["id"]
    admin = Actors(hub=hub, client=client).user(Role.ADMIN)
    response = await client.post(
        f"/v1/admin/agencies/{agency_id}/suspend",
        json={"reason": "Requests aimed at a protest."},
        headers=admin.headers,
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        (_withdraw, "the request is withdrawn; it takes no answers"),
        (_close, "the request is closed; it takes no answers"),
        (_suspend, "{agency} can't receive clips now (suspended, or no agency key)"),
    ],
    ids=["withdrawn", "closed", "agency suspended"],
)
async def test_a_share_is_refused_naming_why(
    actors: Actors, client: AsyncClient, hub: HubState, change: Change, detail: str
) -> None:
    agency = await scene.agency(actors, client)
    name = (await client.get("/v1/agency", headers=agency.member.headers)).json()["name"]
    home = await scene.home_with_clip(actors, client)
    request = await scene.file_request(client, agency)
    entry = await scene.delivery_of(client, home, request["id"])
    body = await scene.share_body(client, actors, home, agency)
    await change(client, hub, agency, request["id"])
    before = actors.row_counts()

    response = await client.post(
        f"/v1/inbox/{entry['id']}/share", json=body, headers=home.owner.headers
    )

    assert response.status_code == 409, response.text
    assert response.json() == {"error": "conflict", "detail": detail.format(agency=name)}
    assert actors.row_counts() == before
    assert (await scene.delivery_of(client, home, request["id"]))["answer"] == "pending"
