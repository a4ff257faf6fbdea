"""Stored text that people type comes out of every page as text, never as markup.

Names (people, homes, cameras, agencies), and a request's details and emergency reason
are set to markup that would run if a page printed it raw: a tag that breaks out of an
attribute, an ``onerror`` image and a script. Each page that shows them must carry them
escaped (autoescaping in render.py; no ``|safe``), for every role that sees them.
"""

from __future__ import annotations

import uuid

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select

from doorstep.hub.accounts.models import Role, User
from doorstep.hub.agencies.models import Agency
from doorstep.hub.db import transaction
from doorstep.hub.homes.models import Camera, Home
from doorstep.hub.requests.models import FootageRequest, RequestDelivery
from doorstep.hub.state import HubState
from tests.hub.actors import Actors
from tests.hub.shares import scene
from tests.hub.web.browsers import browser

HOSTILE = "\"'><img src=x onerror=alert(1)><script>alert(2)</script>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;"


def tagged(what: str) -> str:
    return f"{what}{HOSTILE}"


async def test_hostile_names_and_request_text_render_as_text(
    app: FastAPI, actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    agency = await scene.agency(actors, client)
    home = await scene.home_with_clip(actors, client)
    filed = await scene.file_request(client, agency)
    admin = actors.user(Role.ADMIN)
    with transaction(hub.sessions) as session:
        for user_id in (home.owner.user_id, agency.member.user_id):
            session.get_one(User, user_id).display_name = tagged("person")
        session.get_one(Home, home.home_id).name = tagged("home")
        session.get_one(Camera, home.camera_id).name = tagged("camera")
        row = session.get_one(FootageRequest, uuid.UUID(filed["id"]))
        row.details, row.emergency_reason = tagged("details"), tagged("reason")
        row.emergency = True
        session.get_one(Agency, row.agency_id).name = tagged("agency")
        delivery = session.scalar(
            select(RequestDelivery.id).where(RequestDelivery.home_id == home.home_id)
        )
    assert delivery is not None, "the request reached the home's inbox"
    pages = {
        home.owner: (
            "/home",
            f"/homes/{home.home_id}/settings",
            f"/cameras/{home.camera_id}",
            f"/clips/{home.clip_id}",
            "/inbox",
            f"/inbox/{delivery}",
            "/keys",
            "/pair",
        ),
        agency.member: ("/agency", f"/agency/requests/{filed['id']}", "/agency/members"),
        admin: ("/admin/agencies", "/admin/users"),
        None: ("/agencies", "/requests"),
    }
    shown = 0
    for who, paths in pages.items():
        async with browser(app, who) as page:
            for path in paths:
                response = await page.get(path)
                assert response.status_code == 200, f"{path}: {response.status_code}"
                assert "<img src=x" not in response.text, path
                assert "<script>alert" not in response.text, path
                assert "'><" not in response.text and '"><img' not in response.text, path
                shown += response.text.count(ESCAPED)
    # Each value was on some page, escaped: the test looked at real output.
    assert shown >= len(pages) * 2, shown
