"""Who sees what: agencies see only their own requests' counts; residents only their own."""

from __future__ import annotations

from httpx import AsyncClient

from doorstep.hub.accounts.models import Role
from tests.hub.actors import Actors
from tests.hub.shares import scene


async def test_an_agency_sees_nothing_of_another_agencys_requests_or_packages(
    actors: Actors, client: AsyncClient
) -> None:
    mine, theirs = await scene.agency(actors, client), await scene.agency(actors, client)
    home = await scene.home_with_clip(actors, client)
    request = await scene.file_request(client, mine)
    shared = await scene.share(client, actors, home, mine, request["id"])

    for path in (
        f"/v1/agency/requests/{request['id']}",
        f"/v1/agency/requests/{request['id']}/shares",
        f"/v1/agency/shares/{shared['id']}/package",
    ):
        assert (await client.get(path, headers=theirs.member.headers)).status_code == 404, path
    asked = await client.post(
        f"/v1/agency/shares/{shared['id']}/extension",
        json={"until": "2030-01-01T00:00:00Z", "reason": "More time."},
        headers=theirs.member.headers,
    )
    assert asked.status_code == 404
    assert (await client.get("/v1/agency/requests", headers=theirs.member.headers)).json()[
        "count"
    ] == 0


async def test_an_agency_can_not_reach_homes_cameras_inboxes_answers_or_settings(
    actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    home = await scene.home_with_clip(actors, client)
    request = await scene.file_request(client, agency)
    entry = await scene.delivery_of(client, home, request["id"])
    headers = agency.member.headers
    for method, path in (
        ("GET", "/v1/homes"),
        ("GET", f"/v1/homes/{home.home_id}/cameras"),
        ("GET", "/v1/inbox"),
        ("GET", f"/v1/inbox/{entry['id']}"),
        ("POST", f"/v1/inbox/{entry['id']}/decline"),
        ("GET", f"/v1/homes/{home.home_id}/request-settings"),
        ("GET", "/v1/me/shares"),
    ):
        response = await client.request(method, path, headers=headers)
        assert response.status_code in {403, 404}, (path, response.status_code)


async def test_a_resident_never_sees_another_residents_inbox_answers_or_receipts(
    actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    home, neighbour = (
        await scene.home_with_clip(actors, client),
        await scene.home_with_clip(actors, client),
    )
    request = await scene.file_request(client, agency)
    shared = await scene.share(client, actors, home, agency, request["id"])
    entry = await scene.delivery_of(client, home, request["id"])
    other = neighbour.owner.headers

    for method, path in (
        ("GET", f"/v1/inbox/{entry['id']}"),
        ("POST", f"/v1/inbox/{entry['id']}/decline"),
        ("GET", f"/v1/me/shares/{shared['id']}"),
        ("GET", f"/v1/me/shares/{shared['id']}/receipt"),
        ("POST", f"/v1/me/shares/{shared['id']}/withdraw"),
        ("GET", f"/v1/homes/{home.home_id}/request-settings"),
    ):
        response = await client.request(method, path, headers=other)
        assert response.status_code == 404, (path, response.status_code)
    listed = (await client.get("/v1/me/shares", headers=other)).json()
    assert listed["count"] == 0
    inbox = (await client.get("/v1/inbox", headers=other)).json()["data"]
    assert [each["id"] for each in inbox] != [entry["id"]]
    assert all(each["answer"] == "pending" for each in inbox)


async def test_without_signing_in_only_the_public_log_and_agencies_can_be_read(
    actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    request = await scene.file_request(client, agency)
    for path in (
        "/v1/requests",
        "/v1/requests.csv",
        f"/v1/requests/{request['id']}",
        "/v1/agencies",
    ):
        assert (await client.get(path)).status_code == 200, path
    for path in (f"/v1/agency/requests/{request['id']}", "/v1/inbox", "/v1/me/shares"):
        assert (await client.get(path)).status_code == 401, path
    admin = actors.user(Role.ADMIN)
    assert (await client.get("/v1/admin/flags", headers=admin.headers)).status_code == 200
