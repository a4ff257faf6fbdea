"""Homes, household members and cameras as residents use them."""

from __future__ import annotations

import h3
from httpx import AsyncClient

from doorstep.hub.accounts.models import Role
from tests.hub.actors import Actors
from tests.hub.devices.pairing import CODE_BODY


async def test_home_lifecycle(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    created = await client.post(
        "/v1/homes", json={"name": "  Maple House ", "retention_days": 14}, headers=owner.headers
    )
    assert created.status_code == 201
    home = created.json()
    assert home["name"] == "Maple House"
    assert home["role"] == "owner"
    assert home["retention_days"] == 14
    renamed = await client.patch(
        f"/v1/homes/{home['id']}", json={"name": "Oak House"}, headers=owner.headers
    )
    assert renamed.json()["name"] == "Oak House"
    assert renamed.json()["retention_days"] == 14
    listed = await client.get("/v1/homes", headers=owner.headers)
    assert [h["name"] for h in listed.json()["data"]] == ["Oak House"]
    deleted = await client.delete(f"/v1/homes/{home['id']}", headers=owner.headers)
    assert deleted.status_code == 204
    assert (await client.get(f"/v1/homes/{home['id']}", headers=owner.headers)).status_code == 404


async def test_deleting_a_home_removes_its_cameras(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner, cameras=3)
    await client.delete(f"/v1/homes/{home_id}", headers=owner.headers)
    assert actors.row_counts()["cameras"] == 0


async def test_camera_public_cell_is_h3_resolution_8(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner, cameras=0)
    created = await client.post(
        f"/v1/homes/{home_id}/cameras",
        json={"name": "Porch", "latitude": 45.50455, "longitude": -122.6342},
        headers=owner.headers,
    )
    camera = created.json()
    assert camera["public_cell"] == h3.latlng_to_cell(45.50455, -122.6342, 8)
    assert h3.get_resolution(camera["public_cell"]) == 8
    assert camera["audio_enabled"] is False
    moved = await client.patch(
        f"/v1/cameras/{camera['id']}",
        json={"latitude": 40.7128, "longitude": -74.006},
        headers=owner.headers,
    )
    assert moved.json()["public_cell"] == h3.latlng_to_cell(40.7128, -74.006, 8)


async def test_household_members_read_but_only_owner_changes(
    client: AsyncClient, actors: Actors
) -> None:
    owner, member = actors.resident(), actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    added = await client.post(
        f"/v1/homes/{home_id}/members", json={"email": member.email}, headers=owner.headers
    )
    assert added.status_code == 201
    assert added.json()["role"] == "member"
    again = await client.post(
        f"/v1/homes/{home_id}/members", json={"email": member.email}, headers=owner.headers
    )
    assert again.status_code == 409
    assert (await client.get(f"/v1/homes/{home_id}", headers=member.headers)).json()[
        "role"
    ] == "member"
    cameras = await client.get("/v1/cameras", headers=member.headers)
    assert [c["id"] for c in cameras.json()["data"]] == [str(camera_id)]
    for method, path, body in (
        ("PATCH", f"/v1/homes/{home_id}", {"name": "Mine now"}),
        ("POST", f"/v1/homes/{home_id}/cameras", {"name": "X", "latitude": 1, "longitude": 1}),
        ("DELETE", f"/v1/cameras/{camera_id}", None),
        ("POST", f"/v1/homes/{home_id}/pairing-codes", CODE_BODY),
        ("DELETE", f"/v1/homes/{home_id}/members/{owner.user_id}", None),
    ):
        response = await client.request(method, path, json=body, headers=member.headers)
        assert response.status_code == 403, (method, path)
    members = await client.get(f"/v1/homes/{home_id}/members", headers=member.headers)
    assert {m["role"] for m in members.json()["data"]} == {"owner", "member"}
    removed = await client.delete(
        f"/v1/homes/{home_id}/members/{member.user_id}", headers=owner.headers
    )
    assert removed.status_code == 204
    assert (await client.get(f"/v1/homes/{home_id}", headers=member.headers)).status_code == 404
    assert (await client.get("/v1/cameras", headers=member.headers)).json()["count"] == 0


async def test_owner_cannot_be_removed(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    response = await client.delete(
        f"/v1/homes/{home_id}/members/{owner.user_id}", headers=owner.headers
    )
    assert response.status_code == 409


async def test_only_residents_can_join_households(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    officer = actors.user(Role.AGENCY_MEMBER)
    home_id, _ = actors.home(owner)
    for email in (officer.email, "nobody@doorstep.example"):
        response = await client.post(
            f"/v1/homes/{home_id}/members", json={"email": email}, headers=owner.headers
        )
        assert response.status_code == 404
        assert response.json()["detail"].startswith("email:")
