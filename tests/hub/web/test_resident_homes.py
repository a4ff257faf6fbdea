"""Making a home and adding or removing cameras from the pages, through the same services."""

from __future__ import annotations

import html
import uuid

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import func, select

from doorstep.hub.audit.models import AuditEntry
from doorstep.hub.homes.models import Camera, Home, HomeMember, HouseholdRole
from doorstep.hub.state import HubState
from tests.hub.actors import Actors
from tests.hub.web.browsers import browser


def _count(hub: HubState, model: type[object]) -> int:
    with hub.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


async def test_make_a_home_and_it_shows_on_home(
    app: FastAPI, actors: Actors, hub: HubState
) -> None:
    resident = actors.resident()
    async with browser(app, resident) as page:
        before = await page.get("/home")
        assert 'href="/homes/new"' in before.text and "doorstep homes create" not in before.text
        form = await page.get("/homes/new")
        assert form.status_code == 200
        assert 'for="home-name"' in form.text and 'name="retention_days"' in form.text
        made = await page.post_form("/homes/new", {"name": "Maple Street", "retention_days": "45"})
        assert made.status_code == 303, made.text
        assert made.headers["location"] == "/home"
        after = await page.get("/home")
    assert "Maple Street" in after.text and "kept 45 days" in after.text
    with hub.sessions() as session:
        home = session.scalars(select(Home).where(Home.name == "Maple Street")).one()
        member = session.scalars(select(HomeMember).where(HomeMember.home_id == home.id)).one()
    assert home.retention_days == 45
    assert member.user_id == resident.user_id and member.role == HouseholdRole.OWNER


async def test_each_bad_home_field_is_422_naming_it_and_writes_nothing(
    app: FastAPI, actors: Actors, hub: HubState
) -> None:
    resident = actors.resident()
    cases = [
        ({"name": "", "retention_days": "30"}, "name", "1 to 100 characters"),
        ({"name": "x" * 101, "retention_days": "30"}, "name", "1 to 100 characters"),
        ({"name": "Oak", "retention_days": "0"}, "retention_days", "1 to 365 days"),
        ({"name": "Oak", "retention_days": "366"}, "retention_days", "1 to 365 days"),
        ({"name": "Oak", "retention_days": "ten"}, "retention_days", "1 to 365 days"),
        ({"name": "Oak", "retention_days": ""}, "retention_days", "1 to 365 days"),
    ]
    homes_before = _count(hub, Home)
    async with browser(app, resident) as page:
        for data, field, limit in cases:
            response = await page.post_form("/homes/new", data)
            assert response.status_code == 422, data
            error = f'<p class="field-error" id="home-{field}-error">'
            assert error in response.text, data
            assert limit in response.text.split(error, 1)[1].split("</p>", 1)[0], data
            assert f'aria-describedby="home-{field}-error"' in response.text, data
            assert f'value="{data["name"]}"' in response.text, data  # the form keeps the input
    assert _count(hub, Home) == homes_before


async def test_owner_adds_a_camera_and_bad_fields_write_nothing(
    app: FastAPI, actors: Actors, hub: HubState
) -> None:
    owner = actors.resident()
    home_id, [first] = actors.home(owner)
    path = f"/homes/{home_id}/settings/cameras"
    good = {"name": "Porch", "latitude": "45.52", "longitude": "-122.68"}
    async with browser(app, owner) as page:
        settings = await page.get(f"/homes/{home_id}/settings")
        assert 'id="cameras-heading"' in settings.text and "Camera 0" in settings.text
        assert f"/settings/cameras/{first}/remove" in settings.text
        for field, bad, limit in (
            ("name", "", "1 to 100 characters"),
            ("latitude", "91", "-90 to 90"),
            ("latitude", "north", "-90 to 90"),
            ("longitude", "-181", "-180 to 180"),
            ("longitude", "", "-180 to 180"),
        ):
            response = await page.post_form(path, good | {field: bad})
            assert response.status_code == 422, (field, bad)
            error = f'<p class="field-error" id="camera-{field}-error">'
            assert error in response.text, (field, bad)
            assert limit in response.text.split(error, 1)[1].split("</p>", 1)[0]
        assert _count(hub, Camera) == 1
        added = await page.post_form(path, good | {"audio_enabled": "on"})
        assert added.status_code == 303, added.text
        shown = await page.get(f"/homes/{home_id}/settings")
    assert "Porch" in shown.text
    with hub.sessions() as session:
        porch = session.scalars(select(Camera).where(Camera.name == "Porch")).one()
    assert (porch.home_id, porch.latitude, porch.longitude) == (home_id, 45.52, -122.68)
    assert porch.audio_enabled and porch.public_cell


async def test_owner_removes_a_camera_after_confirming(
    app: FastAPI, actors: Actors, hub: HubState
) -> None:
    owner = actors.resident()
    home_id, [camera_id, kept] = actors.home(owner, cameras=2)
    path = f"/homes/{home_id}/settings/cameras/{camera_id}/remove"
    async with browser(app, owner) as page:
        confirm = await page.get(path)
        assert confirm.status_code == 200
        assert "Remove Camera 0?" in confirm.text and 'id="confirm-remove"' in confirm.text
        with hub.sessions() as session:
            assert session.get(Camera, camera_id) is not None  # asking removes nothing
        removed = await page.post_form(path, {})
    assert removed.status_code == 303
    with hub.sessions() as session:
        assert session.get(Camera, camera_id) is None
        assert session.get(Camera, kept) is not None
        actions = session.scalars(select(AuditEntry.action)).all()
    assert "camera.deleted" in actions


async def test_a_camera_of_another_home_is_404_under_this_home(
    app: FastAPI, actors: Actors, hub: HubState
) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    _other_home, [other_camera] = actors.home(owner)
    async with browser(app, owner) as page:
        path = f"/homes/{home_id}/settings/cameras/{other_camera}/remove"
        assert (await page.get(path)).status_code == 404
        assert (await page.post_form(path, {})).status_code == 404
        missing = f"/homes/{home_id}/settings/cameras/{uuid.uuid4()}/remove"
        assert (await page.post_form(missing, {})).status_code == 404
    with hub.sessions() as session:
        assert session.get(Camera, other_camera) is not None


async def test_the_settings_list_members_and_removing_one_is_confirmed_first(
    app: FastAPI, actors: Actors, hub: HubState, client: AsyncClient
) -> None:
    owner, member, stranger = actors.resident(), actors.resident(), actors.resident()
    home_id, _ = actors.home(owner)
    added = await client.post(
        f"/v1/homes/{home_id}/members", json={"email": member.email}, headers=owner.headers
    )
    assert added.status_code == 201, added.text
    path = f"/homes/{home_id}/settings/members/{member.user_id}/remove"
    async with browser(app, owner) as page:
        settings = (await page.get(f"/homes/{home_id}/settings")).text
        confirm = await page.get(path)
        of_owner = await page.get(f"/homes/{home_id}/settings/members/{owner.user_id}/remove")
        of_stranger = await page.get(f"/homes/{home_id}/settings/members/{stranger.user_id}/remove")
    assert member.email in settings and owner.email in settings
    assert settings.count("/settings/members/") == 1 and path in settings  # not the owner's
    assert confirm.status_code == 200
    text = " ".join(html.unescape(confirm.text).split())
    assert "no longer see Home, its cameras or its clips" in text
    assert "makes a new home key and signs a new key list that leaves" in text
    assert 'id="confirm-remove" type="button"' in text
    assert of_owner.status_code == 409
    assert "the owner can't be removed" in html.unescape(of_owner.text)
    assert of_stranger.status_code == 404
    with hub.sessions() as session:  # asking removes nothing
        assert session.get(HomeMember, (home_id, member.user_id)) is not None
