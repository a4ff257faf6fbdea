"""The agency's pages: its requests with counts only, budgets left, its key, shares, members.

An agency sees of the answers only the counts and the shares it received: the pages
never name a resident or a home, as the JSON API never does.
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from httpx import AsyncClient

from doorstep.crypto.keys import public_raw
from doorstep.crypto.safety import agency_fingerprint
from tests.hub.actors import Actors
from tests.hub.shares import scene
from tests.hub.web.browsers import browser


async def test_home_shows_requests_budgets_and_the_key(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    for code in ("CASE-A", "CASE-A", "CASE-B"):
        await scene.file_request(client, agency, investigation_code=code)
    async with browser(app, agency.member) as page:
        response = await page.get("/agency")
    assert response.status_code == 200, response.text
    text = response.text
    fingerprint = agency_fingerprint(public_raw(agency.key.public_key()))
    assert f'<code id="key-fingerprint">{fingerprint}</code>' in text
    assert "Published in the audit log" in text
    assert '<strong id="agency-requests-left">17</strong> of 20 requests left' in text
    codes = re.findall(r'<tr><th scope="row">(CASE-\w)</th>\s*<td class="number">(\d) of 3', text)
    assert codes == [("CASE-A", "1"), ("CASE-B", "2")]
    assert len(re.findall(r'<a href="/agency/requests/[0-9a-f-]{36}">CASE-', text)) == 3


async def test_without_a_key_the_home_says_how_to_publish_one(app: FastAPI, actors: Actors) -> None:
    from doorstep.hub.accounts.models import Role

    member = actors.user(Role.AGENCY_MEMBER)
    async with browser(app, member) as page:
        text = (await page.get("/agency")).text
    assert "No key published." in text and "doorstep agency key" in text
    assert "key-fingerprint" not in text


async def test_a_request_and_its_shares_show_counts_never_who(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    home = await scene.home_with_clip(actors, client, email="neighbour@doorstep.example")
    filed = await scene.file_request(client, agency)
    shared = await scene.share(client, actors, home, agency, filed["id"])
    async with browser(app, agency.member) as page:
        detail = (await page.get(f"/agency/requests/{filed['id']}")).text
        listed = (await page.get("/agency/shares")).text
        package = await page.http.get(f"/v1/agency/shares/{shared['id']}/package")
    assert '<strong id="clips-shared">1</strong> clip shared in\n    1 share' in detail
    for text in (detail, listed):
        assert f'href="/v1/agency/shares/{shared["id"]}/package" download' in text
        assert "neighbour" not in text and str(home.home_id) not in text
    assert 'data-geometry="{' in detail  # the area, drawn by area-maps.js
    assert "CASE-2026-0042" in listed
    # The link is the CLI's package route, and the session cookie is enough for it.
    assert package.status_code == 200 and package.content[:2] == b"PK"


async def test_withdraw_from_the_request_page(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    filed = await scene.file_request(client, agency)
    async with browser(app, agency.member) as page:
        response = await page.post_form(f"/agency/requests/{filed['id']}/withdraw", {})
        assert response.status_code == 303
        text = (await page.get(response.headers["location"])).text
    assert "withdrawn" in text and "Withdraw this request" not in text


async def test_members_lists_the_agency_and_nobody_else(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client, email="first@police.example", name="North Police")
    await scene.agency(actors, client, email="other@police.example", name="South Police")
    async with browser(app, agency.member) as page:
        text = (await page.get("/agency/members")).text
    assert "Members of North Police" in text
    assert "first@police.example" in text and "(you)" in text
    assert "other@police.example" not in text
    # Adding a member is the admin's act (checked against the agency's contact on record).
    how = re.search(r'<section class="card" id="adding-members".*?</section>', text, re.S)
    assert how is not None and "ask the hub's admin" in how[0]
    assert "<code>desk@agency.example</code>" in how[0]
    assert "agency.member_added" in how[0] and "<form" not in how[0]


async def test_another_agencys_request_is_not_found(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    mine = await scene.agency(actors, client)
    theirs = await scene.agency(actors, client)
    filed = await scene.file_request(client, theirs)
    async with browser(app, mine.member) as page:
        response = await page.get(f"/agency/requests/{filed['id']}")
        withdraw = await page.post_form(f"/agency/requests/{filed['id']}/withdraw", {})
    assert response.status_code == 404 and withdraw.status_code == 404
    assert "CASE-2026-0042" not in response.text
