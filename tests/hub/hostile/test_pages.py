"""Hostile text the hub accepts comes out escaped where a page or a spreadsheet shows it.

Agency names are the free text the public report shows: on the transparency page (HTML),
in its CSV, and in the request log's CSV. An admin names agencies with markup, a formula
and direction overrides through the API; each files a request; the page must carry each
name escaped and never as markup, and the CSVs must read back each name as text (a
formula behind a quote, so a spreadsheet shows it instead of running it).
"""

from __future__ import annotations

import csv
import io
import uuid
from html import escape

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from httpx import AsyncClient

from doorstep.crypto.keys import public_raw
from doorstep.hub.accounts.models import Role
from doorstep.hub.accounts.service import create_user, issue_token
from doorstep.hub.db import transaction
from doorstep.hub.state import HubState
from tests.hub.actors import JURISDICTION, PASSWORD, Actor, Actors
from tests.hub.hostile.world import b64
from tests.hub.shares import scene

# Each hostile name, and the cell a CSV must hold for it (written out, not computed).
NAMES = {
    "<script>alert('doorstep')</script> & <b>Co</b>": (
        "<script>alert('doorstep')</script> & <b>Co</b>"
    ),
    '=HYPERLINK("http://evil.example","click")': '\'=HYPERLINK("http://evil.example","click")',
    '@SUM(1+1)*cmd|" /C calc"!A0': '\'@SUM(1+1)*cmd|" /C calc"!A0',
    '\u202eecilop\u202c Dept, "North"\nline two': '\u202eecilop\u202c Dept, "North"\nline two',
}
MARKUP = ("<script>", "<b>")


async def agency_named(client: AsyncClient, hub: HubState, admin: Actor, name: str) -> scene.Agency:
    """An agency created through the admin API under ``name``, with a member and a key."""
    body = {"name": name, "kind": "police", "contact_email": "d@agency.example"}
    created = await client.post(
        "/v1/admin/agencies", json={**body, "jurisdiction": JURISDICTION}, headers=admin.headers
    )
    assert created.status_code == 201, created.text
    assert created.json()["name"] == name  # stored as sent
    agency_id = created.json()["id"]
    verified = await client.post(f"/v1/admin/agencies/{agency_id}/verify", headers=admin.headers)
    assert verified.status_code == 200, verified.text
    with transaction(hub.sessions) as session:
        email = f"officer-{uuid.uuid4().hex[:8]}@agency.example"
        user = create_user(
            session,
            settings=hub.settings,
            email=email,
            password=PASSWORD,
            display_name="Officer",
            role=Role.AGENCY_MEMBER,
            agency_id=uuid.UUID(agency_id),
        )
        _, token = issue_token(session, secret_key=hub.secret_key, name="tests", user_id=user.id)
    member = Actor(user_id=user.id, email=email, token=token)
    key = X25519PrivateKey.generate()
    put = await client.put(
        "/v1/agency/key",
        json={"public_key": b64(public_raw(key.public_key()))},
        headers=member.headers,
    )
    assert put.status_code == 200, put.text
    return scene.Agency(member, key)


def column(text: str, name: str) -> list[str]:
    return [row[name] for row in csv.DictReader(io.StringIO(text, newline=""))]


async def test_hostile_agency_names_are_escaped_on_the_page_and_in_csv(
    client: AsyncClient, actors: Actors, hub: HubState
) -> None:
    admin = actors.user(Role.ADMIN)
    for n, name in enumerate(NAMES):
        agency = await agency_named(client, hub, admin, name)
        await scene.file_request(client, agency, investigation_code=f"PAGE-{n}")

    page = await client.get("/transparency")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for markup in MARKUP:
        assert markup not in page.text, f"{markup} reached the page unescaped"
    for name in NAMES:
        assert escape(name) in page.text, f"{name!r} is not on the page, escaped"

    log = await client.get("/v1/requests.csv")
    assert log.status_code == 200
    assert sorted(column(log.text, "agency")) == sorted(NAMES.values())

    report = await client.get("/v1/transparency.csv")
    assert report.status_code == 200
    rows = csv.DictReader(io.StringIO(report.text, newline=""))
    named = {row["name"] for row in rows if row["period"] == "total" and row["name"]}
    assert set(NAMES.values()) <= named, named
