"""A clip uploaded after a request was filed brings the still-open request to its home."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy import delete, select, text

from doorstep.hub.accounts.models import Role
from doorstep.hub.clips.models import Clip
from doorstep.hub.db import utcnow
from doorstep.hub.homes.models import Camera
from doorstep.hub.requests.delivery import deliver_for_clip
from doorstep.hub.requests.models import RequestDelivery
from doorstep.hub.state import HubState
from tests.hub.actors import Actor, Actors
from tests.hub.clips.uploads import upload_clip
from tests.hub.shares import scene


async def _inbox(client: AsyncClient, owner: Actor) -> list[str]:
    response = await client.get("/v1/inbox", headers=owner.headers)
    assert response.status_code == 200, response.text
    return [entry["request"]["id"] for entry in response.json()["data"]]


def _in_window(minutes_ago: int) -> tuple[datetime, datetime]:
    started = scene.now() - timedelta(minutes=minutes_ago)
    return started, started + timedelta(seconds=20)


async def test_a_late_clip_brings_an_open_request_once_and_the_agency_sees_no_change(
    actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    owner = actors.resident()
    # Camera 0 stands at scene.CAMERA; camera 5 stands 555 m north, outside the 300 m circle.
    home_id, cameras = actors.home(owner, cameras=6)
    device = actors.device(owner, home_id)
    filed = await scene.file_request(client, agency)
    seen_by_agency = (
        await client.get(f"/v1/agency/requests/{filed['id']}", headers=agency.member.headers)
    ).content
    assert await _inbox(client, owner) == []

    await upload_clip(client, device, cameras[5], times=_in_window(30))
    await upload_clip(client, device, cameras[0], times=_in_window(90))  # before the window
    assert await _inbox(client, owner) == []

    await upload_clip(client, device, cameras[0], times=_in_window(30))
    await upload_clip(client, device, cameras[0], times=_in_window(20))
    assert await _inbox(client, owner) == [filed["id"]]
    notes = (await client.get("/v1/me/notifications", headers=owner.headers)).json()["data"]
    assert [note["kind"] for note in notes] == ["request"]
    again = await client.get(f"/v1/agency/requests/{filed['id']}", headers=agency.member.headers)
    assert again.content == seen_by_agency


async def test_a_late_clip_respects_the_homes_settings_and_the_requests_state(
    actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    withdrawn = await scene.file_request(client, agency, investigation_code="LATE-1")
    response = await client.post(
        f"/v1/agency/requests/{withdrawn['id']}/withdraw", headers=agency.member.headers
    )
    assert response.status_code == 200, response.text
    open_request = await scene.file_request(client, agency, investigation_code="LATE-2")
    suspended = await scene.agency(actors, client)
    await scene.file_request(client, suspended, investigation_code="LATE-3")
    agency_id = (await client.get("/v1/agency", headers=suspended.member.headers)).json()["id"]
    response = await client.post(
        f"/v1/admin/agencies/{agency_id}/suspend",
        json={"reason": "Filed requests about a protest."},
        headers=actors.user(Role.ADMIN).headers,
    )
    assert response.status_code == 200, response.text

    listening, refusing = actors.resident(), actors.resident()
    homes: dict[str, tuple[uuid.UUID, uuid.UUID]] = {}
    for name, owner in (("listening", listening), ("refusing", refusing)):
        home_id, [camera_id] = actors.home(owner)
        homes[name] = (home_id, camera_id)
    saved = await client.put(
        f"/v1/homes/{homes['refusing'][0]}/request-settings",
        json={"receive": False},
        headers=refusing.headers,
    )
    assert saved.status_code == 200, saved.text

    for name, owner in (("listening", listening), ("refusing", refusing)):
        home_id, camera_id = homes[name]
        await upload_clip(client, actors.device(owner, home_id), camera_id, times=_in_window(30))

    assert await _inbox(client, listening) == [open_request["id"]]
    assert await _inbox(client, refusing) == []


# Only PostgreSQL lets two clip commits overlap: on SQLite a commit holds the one write
# lock from its first insert (the clip row), so the second edge's commit starts after
# the first's ends and sees its delivery.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_edges_delivering_the_same_request_at_once_keep_one_and_both_commit(
    actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    agency = await scene.agency(actors, client)
    filed = await scene.file_request(client, agency)
    owner = actors.resident()
    home_id, [camera_id] = actors.home(owner)
    clip_id = await upload_clip(
        client, actors.device(owner, home_id), camera_id, times=_in_window(30)
    )
    request_id = uuid.UUID(filed["id"])
    with hub.sessions() as session:  # the clip delivered it; forget that, to deliver again
        session.execute(delete(RequestDelivery).where(RequestDelivery.request_id == request_id))
        session.commit()
    first = hub.sessions()
    first.add(RequestDelivery(request_id=request_id, home_id=home_id))
    first.flush()  # holds the (request, home) index entry until it commits
    outcome: dict[str, int] = {}

    def second_edge() -> None:
        with hub.sessions() as session:
            clip, camera = session.get_one(Clip, clip_id), session.get_one(Camera, camera_id)
            outcome["reached"] = deliver_for_clip(session, clip=clip, camera=camera, now=utcnow())
            session.commit()

    worker = threading.Thread(target=second_edge)
    worker.start()
    _wait_for_the_second_edge(hub)
    first.commit()
    first.close()
    worker.join(timeout=30)
    assert outcome == {"reached": 0}
    with hub.sessions() as session:
        rows = session.scalars(
            select(RequestDelivery).where(RequestDelivery.request_id == request_id)
        ).all()
    assert [row.home_id for row in rows] == [home_id]


def _wait_for_the_second_edge(hub: HubState) -> None:
    """Until the second edge's insert waits behind the first's uncommitted row."""
    deadline = time.monotonic() + 20
    with hub.sessions() as session:
        while time.monotonic() < deadline:
            waiting = session.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            )
            session.rollback()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError("the second delivery never waited on the first")
