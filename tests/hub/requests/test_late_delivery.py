"""A clip uploaded after a request was filed brings the still-open request to its home."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from httpx import AsyncClient

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
