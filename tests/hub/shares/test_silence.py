"""Decline, opt-out and no answer look exactly alike to every agency-facing route and export."""

from __future__ import annotations

from httpx import AsyncClient

from tests.hub.actors import Actors
from tests.hub.shares import scene


async def _agency_view(client: AsyncClient, agency: scene.Agency, request_id: str) -> list[bytes]:
    headers = agency.member.headers
    paths = [
        (f"/v1/agency/requests/{request_id}", headers),
        ("/v1/agency/requests", headers),
        (f"/v1/agency/requests/{request_id}/shares", headers),
        ("/v1/me/notifications", headers),
        (f"/v1/requests/{request_id}", {}),
        ("/v1/requests", {}),
        ("/v1/requests.csv", {}),
        ("/v1/agencies", {}),
        ("/v1/transparency", {}),
        ("/v1/transparency.csv", {}),
        ("/v1/audit/entries?start=0&limit=1000", {}),
    ]
    views = []
    for path, auth in paths:
        response = await client.get(path, headers=auth)
        assert response.status_code == 200, (path, response.text)
        views.append(response.content)
    return views


async def test_decline_opt_out_and_no_answer_are_byte_identical_to_the_agency(
    actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    declining, opting_out, silent = [await scene.home_with_clip(actors, client) for _ in range(3)]
    request = await scene.file_request(client, agency)
    before = await _agency_view(client, agency, request["id"])

    entry = await scene.delivery_of(client, declining, request["id"])
    declined = await client.post(
        f"/v1/inbox/{entry['id']}/decline", headers=declining.owner.headers
    )
    assert declined.status_code == 200 and declined.json()["answer"] == "declined"
    assert await _agency_view(client, agency, request["id"]) == before

    opted = await client.put(
        f"/v1/homes/{opting_out.home_id}/request-settings",
        json={"receive": False},
        headers=opting_out.owner.headers,
    )
    assert opted.status_code == 200 and opted.json()["receive"] is False
    assert await _agency_view(client, agency, request["id"]) == before

    # The silent home is still pending; nothing it didn't do shows either.
    assert (await scene.delivery_of(client, silent, request["id"]))["answer"] == "pending"
    assert await _agency_view(client, agency, request["id"]) == before


async def test_an_opted_out_home_gets_no_later_request(actors: Actors, client: AsyncClient) -> None:
    police = await scene.agency(actors, client)
    home = await scene.home_with_clip(actors, client)
    await client.put(
        f"/v1/homes/{home.home_id}/request-settings",
        json={"agency_kinds": ["fire"]},
        headers=home.owner.headers,
    )
    await scene.file_request(client, police)
    inbox = (await client.get("/v1/inbox", headers=home.owner.headers)).json()
    assert inbox["count"] == 0
