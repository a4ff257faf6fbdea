"""Agencies: admins create and verify them and their members; members see their agency."""

from __future__ import annotations

from httpx import AsyncClient

from doorstep.hub.accounts.models import Role
from tests.hub.actors import JURISDICTION, Actors


async def test_admin_creates_verifies_and_staffs_an_agency(
    client: AsyncClient, actors: Actors
) -> None:
    admin = actors.user(Role.ADMIN)
    created = await client.post(
        "/v1/admin/agencies",
        json={
            "name": "Eastside Fire",
            "kind": "fire",
            "contact_email": "Desk@Fire.example",
            "jurisdiction": JURISDICTION,
        },
        headers=admin.headers,
    )
    assert created.status_code == 201
    agency = created.json()
    assert agency["verified_at"] is None
    assert agency["contact_email"] == "desk@fire.example"
    verified = await client.post(f"/v1/admin/agencies/{agency['id']}/verify", headers=admin.headers)
    assert verified.json()["verified_at"] is not None
    duplicate = await client.post(
        "/v1/admin/agencies",
        json={
            "name": "Eastside Fire",
            "kind": "fire",
            "contact_email": "x@fire.example",
            "jurisdiction": JURISDICTION,
        },
        headers=admin.headers,
    )
    assert duplicate.status_code == 409
    bad_kind = await client.post(
        "/v1/admin/agencies",
        json={
            "name": "Secret Squad",
            "kind": "immigration",
            "contact_email": "x@y.example",
            "jurisdiction": JURISDICTION,
        },
        headers=admin.headers,
    )
    assert bad_kind.status_code == 422
    assert bad_kind.json()["detail"].startswith("body.kind")
    member = await client.post(
        f"/v1/admin/agencies/{agency['id']}/members",
        json={"email": "chief@fire.example", "display_name": "Chief"},
        headers=admin.headers,
    )
    assert member.status_code == 201
    password = member.json()["one_time_password"]
    assert member.json()["user"]["role"] == "agency_member"
    login = await client.post(
        "/v1/auth/login", json={"email": "chief@fire.example", "password": password}
    )
    assert login.status_code == 200
    mine = await client.get("/v1/agency")
    assert mine.json()["name"] == "Eastside Fire"
    listed = await client.get("/v1/admin/agencies", headers=admin.headers)
    assert listed.json()["count"] == 1
    users = await client.get("/v1/admin/users", headers=admin.headers)
    assert {u["role"] for u in users.json()["data"]} == {"admin", "agency_member"}


async def test_members_of_unknown_agencies_are_refused(client: AsyncClient, actors: Actors) -> None:
    admin = actors.user(Role.ADMIN)
    before = actors.row_counts()
    response = await client.post(
        "/v1/admin/agencies/00000000-0000-0000-0000-000000000000/members",
        json={"email": "x@agency.example", "display_name": "X"},
        headers=admin.headers,
    )
    assert response.status_code == 404
    assert actors.row_counts() == before
