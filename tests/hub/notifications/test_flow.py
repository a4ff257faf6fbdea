"""Real events notify the right people; only a notification's owner can read or mark it.

The events: a request delivered to a home, a share received, an extension asked, a
legal demand recorded (at once or with a court-ordered delay), a share withdrawn.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select

from doorstep.hub.accounts.models import Role, User
from doorstep.hub.accounts.service import issue_token
from doorstep.hub.agencies.service import add_agency_member
from doorstep.hub.db import transaction
from doorstep.hub.notifications.models import Notification
from doorstep.hub.state import HubState
from tests.hub.actors import Actor, Actors
from tests.hub.demands import demand_body, two_hours_ago
from tests.hub.shares import scene

NOTES = "/v1/me/notifications"


@dataclass
class Neighbourhood:
    """One home that was asked, shared, asked for more time and served a legal demand."""

    agency: scene.Agency
    home: scene.Home
    admin: Actor
    delivery_id: str
    share_id: str
    demand_id: str


async def _neighbourhood(actors: Actors, client: AsyncClient) -> Neighbourhood:
    agency = await scene.agency(actors, client)
    home = await scene.home_with_clip(actors, client)
    admin = actors.user(Role.ADMIN)
    request = await scene.file_request(client, agency)
    delivery = await scene.delivery_of(client, home, request["id"])
    shared = await scene.share(client, actors, home, agency, request["id"])
    asked = await client.post(
        f"/v1/agency/shares/{shared['id']}/extension",
        json={
            "until": (
                datetime.fromisoformat(shared["expires_at"]) + timedelta(days=30)
            ).isoformat(),
            "reason": "The trial date moved.",
        },
        headers=agency.member.headers,
    )
    assert asked.status_code == 200, asked.text
    start = two_hours_ago()
    demanded = await client.post(
        "/v1/admin/demands",
        json=demand_body(home.home_id, start=start, end=start + timedelta(hours=1)),
        headers=admin.headers,
    )
    assert demanded.status_code == 201, demanded.text
    return Neighbourhood(agency, home, admin, delivery["id"], shared["id"], demanded.json()["id"])


async def _listed(client: AsyncClient, who: Actor, **params: Any) -> dict[str, Any]:
    response = await client.get(NOTES, params=params, headers=who.headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    assert page["count"] == len(page["data"])
    return page


def _kinds(page: dict[str, Any]) -> list[tuple[str, str | None, bool]]:
    return [(note["kind"], note["subject_id"], note["urgent"]) for note in page["data"]]


def _read_at(hub: HubState, user_id: uuid.UUID) -> dict[uuid.UUID, datetime | None]:
    """Every notification row of the user, due or not, as stored."""
    with hub.sessions() as session:
        rows = session.scalars(select(Notification).where(Notification.user_id == user_id))
        return {row.id: row.read_at for row in rows}


def _colleague(actors: Actors, agency_id: uuid.UUID, admin: Actor) -> Actor:
    """A second member of the same agency, added by an admin, with a bearer token."""
    email = f"colleague-{uuid.uuid4().hex[:8]}@agency.example"
    with transaction(actors.hub.sessions) as session:
        user, _ = add_agency_member(
            session,
            actor=session.get_one(User, admin.user_id),
            settings=actors.hub.settings,
            agency_id=agency_id,
            email=email,
            display_name="colleague",
        )
        _, token = issue_token(
            session, secret_key=actors.hub.secret_key, name="tests", user_id=user.id
        )
        return Actor(user_id=user.id, email=email, token=token)


async def test_each_event_notifies_its_people_who_mark_them_read(
    actors: Actors, client: AsyncClient
) -> None:
    place = await _neighbourhood(actors, client)
    owner, member = place.home.owner, place.agency.member
    withdrawn = await client.post(f"/v1/me/shares/{place.share_id}/withdraw", headers=owner.headers)
    assert withdrawn.status_code == 200, withdrawn.text

    mine = await _listed(client, owner)
    assert _kinds(mine) == [  # newest first
        ("legal_demand", place.demand_id, True),
        ("extension_asked", place.share_id, False),
        ("request", place.delivery_id, False),
    ]
    assert [note["read_at"] for note in mine["data"]] == [None, None, None]
    assert _kinds(await _listed(client, member)) == [
        ("share_withdrawn", place.share_id, False),
        ("share_received", place.share_id, False),
    ]
    assert _kinds(await _listed(client, owner, limit=1)) == [
        ("legal_demand", place.demand_id, True)
    ]
    assert (await _listed(client, place.admin))["count"] == 0

    asked_id = mine["data"][1]["id"]
    marked = await client.post(f"{NOTES}/{asked_id}/read", headers=owner.headers)
    assert marked.status_code == 200, marked.text
    assert marked.json()["id"] == asked_id and marked.json()["kind"] == "extension_asked"
    read_at = marked.json()["read_at"]
    assert read_at is not None
    assert _kinds(await _listed(client, owner, unread=True)) == [
        ("legal_demand", place.demand_id, True),
        ("request", place.delivery_id, False),
    ]
    listed = {note["id"]: note["read_at"] for note in (await _listed(client, owner))["data"]}
    assert listed == {
        mine["data"][0]["id"]: None,
        asked_id: read_at,
        mine["data"][2]["id"]: None,
    }
    again = await client.post(f"{NOTES}/{asked_id}/read", headers=owner.headers)
    assert again.status_code == 200 and again.json()["read_at"] == read_at  # first read stays

    received = (await _listed(client, member))["data"][1]
    marked = await client.post(f"{NOTES}/{received['id']}/read", headers=member.headers)
    assert marked.status_code == 200, marked.text
    assert _kinds(await _listed(client, member, unread=True)) == [
        ("share_withdrawn", place.share_id, False)
    ]
    assert (await _listed(client, owner, unread=True))["count"] == 2


async def test_nobody_else_can_see_or_mark_a_notification(
    actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    place = await _neighbourhood(actors, client)
    owner, member = place.home.owner, place.agency.member
    household, stranger = actors.resident(), actors.resident()
    added = await client.post(
        f"/v1/homes/{place.home.home_id}/members",
        json={"email": household.email},
        headers=owner.headers,
    )
    assert added.status_code in {200, 201}, added.text
    agency_id = uuid.UUID((await client.get("/v1/agency", headers=member.headers)).json()["id"])
    colleague = _colleague(actors, agency_id, place.admin)
    other_agency = await scene.agency(actors, client)

    owner_ids = [note["id"] for note in (await _listed(client, owner))["data"]]
    member_ids = [note["id"] for note in (await _listed(client, member))["data"]]
    assert len(owner_ids) == 3 and len(member_ids) == 1
    before = {who.user_id: _read_at(hub, who.user_id) for who in (owner, member)}
    counts = actors.row_counts()

    others = (household, stranger, member, colleague, other_agency.member, place.admin)
    for who in others:
        seen = {note["id"] for note in (await _listed(client, who))["data"]}
        assert seen.isdisjoint(owner_ids), who.email
        for note_id in owner_ids:
            response = await client.post(f"{NOTES}/{note_id}/read", headers=who.headers)
            assert response.status_code == 404, (who.email, response.text)
    for who in (owner, household, stranger, colleague, other_agency.member, place.admin):
        for note_id in member_ids:
            response = await client.post(f"{NOTES}/{note_id}/read", headers=who.headers)
            assert response.status_code == 404, (who.email, response.text)
    for note_id in (*owner_ids, *member_ids):
        assert (await client.post(f"{NOTES}/{note_id}/read")).status_code == 401
    missing = await client.post(f"{NOTES}/{uuid.uuid4()}/read", headers=owner.headers)
    assert missing.status_code == 404
    assert (await client.get(NOTES)).status_code == 401

    assert {who.user_id: _read_at(hub, who.user_id) for who in (owner, member)} == before
    assert all(read is None for rows in before.values() for read in rows.values())
    assert (await _listed(client, owner, unread=True))["count"] == 3
    assert (await _listed(client, member, unread=True))["count"] == 1
    assert actors.row_counts() == counts


async def test_a_delayed_notice_can_not_be_marked_before_it_shows(
    actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    owner, admin = actors.resident(), actors.user(Role.ADMIN)
    home_id, _ = actors.home(owner)
    start = two_hours_ago()
    until = datetime.now(UTC) + timedelta(days=90)
    body = demand_body(home_id, start=start, end=start + timedelta(hours=1), delayed_until=until)
    demanded = await client.post("/v1/admin/demands", json=body, headers=admin.headers)
    assert demanded.status_code == 201, demanded.text

    [(note_id, read_at)] = _read_at(hub, owner.user_id).items()
    assert read_at is None
    response = await client.post(f"{NOTES}/{note_id}/read", headers=owner.headers)
    assert response.status_code == 404, response.text
    assert _read_at(hub, owner.user_id) == {note_id: None}
    assert (await _listed(client, owner))["count"] == 0
