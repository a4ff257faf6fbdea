"""A home's settings page: retention, audio, request preferences, through the same services."""

from __future__ import annotations

import uuid

import pytest
from fastapi import FastAPI

from doorstep.hub.accounts.models import User
from doorstep.hub.db import transaction
from doorstep.hub.homes.models import Camera, Home
from doorstep.hub.homes.service import add_member
from doorstep.hub.requests.models import RequestSettings
from doorstep.hub.state import HubState
from tests.hub.actors import Actor, Actors
from tests.hub.web.browsers import browser


def _path(home_id: uuid.UUID, form: str = "") -> str:
    return f"/homes/{home_id}/settings" + (f"/{form}" if form else "")


OwnerHome = tuple[Actor, uuid.UUID]


@pytest.fixture
def owner_home(actors: Actors) -> OwnerHome:
    """A resident and the home they own, with one camera."""
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    return owner, home_id


def _retention_days(hub: HubState, home_id: uuid.UUID) -> int:
    with hub.sessions() as session:
        return session.get_one(Home, home_id).retention_days


def _member(actors: Actors, owner: Actor, home_id: uuid.UUID) -> Actor:
    member = actors.resident()
    with transaction(actors.hub.sessions) as session:
        add_member(
            session, user=session.get_one(User, owner.user_id), home_id=home_id, email=member.email
        )
    return member


async def test_page_shows_current_settings(app: FastAPI, actors: Actors) -> None:
    owner = actors.resident()
    home_id, [camera_id] = actors.home(owner)
    async with browser(app, owner) as page:
        response = await page.get(_path(home_id))
    assert response.status_code == 200
    text = response.text
    assert 'name="retention_days"' in text and 'value="30"' in text
    assert f'value="{camera_id}"' in text
    assert 'id="kind-police" name="agency_kinds" value="police" checked' in text
    assert 'role="status" aria-live="polite"' in text


async def test_retention_saves_with_htmx_and_announces(
    app: FastAPI, owner_home: OwnerHome, hub: HubState
) -> None:
    owner, home_id = owner_home
    async with browser(app, owner) as page:
        response = await page.post_form(
            _path(home_id, "retention"), {"retention_days": "12"}, htmx=True
        )
    assert response.status_code == 200, response.text
    assert response.text.lstrip().startswith('<form id="form-retention"')  # the form alone
    assert 'id="settings-status" hx-swap-oob="innerHTML"' in response.text
    assert "kept 12 days" in response.text
    assert _retention_days(hub, home_id) == 12


async def test_retention_out_of_range_names_the_limit_and_saves_nothing(
    app: FastAPI, owner_home: OwnerHome, hub: HubState
) -> None:
    owner, home_id = owner_home
    async with browser(app, owner) as page:
        for value in ("366", "0", "ten", ""):
            response = await page.post_form(
                _path(home_id, "retention"), {"retention_days": value}, htmx=True
            )
            assert response.status_code == 422, value
            assert 'id="retention-retention_days-error"' in response.text, value
            assert "1 to 365 days" in response.text, value
            assert 'aria-invalid="true"' in response.text
    assert _retention_days(hub, home_id) == 30


async def test_plain_form_post_answers_the_whole_page(
    app: FastAPI, owner_home: OwnerHome, hub: HubState
) -> None:
    owner, home_id = owner_home
    async with browser(app, owner) as page:
        response = await page.post_form(_path(home_id, "retention"), {"retention_days": "90"})
    assert response.status_code == 200
    assert "<h1>Settings of Home</h1>" in response.text
    assert "kept 90 days" in response.text
    assert _retention_days(hub, home_id) == 90


async def test_audio_turns_on_only_the_checked_cameras(
    app: FastAPI, actors: Actors, hub: HubState
) -> None:
    owner = actors.resident()
    home_id, [first, second] = actors.home(owner, cameras=2)
    async with browser(app, owner) as page:
        response = await page.post_form(
            _path(home_id, "audio"), {"audio": [str(second)]}, htmx=True
        )
        assert response.status_code == 200
        assert "audio is recorded by Camera 1" in response.text
        with hub.sessions() as session:
            assert not session.get_one(Camera, first).audio_enabled
            assert session.get_one(Camera, second).audio_enabled
        foreign = str(uuid.uuid4())
        refused = await page.post_form(_path(home_id, "audio"), {"audio": [foreign]}, htmx=True)
    assert refused.status_code == 422
    assert foreign in refused.text


async def test_request_preferences_save_and_refuse_by_field(
    app: FastAPI, owner_home: OwnerHome, hub: HubState
) -> None:
    owner, home_id = owner_home
    form: dict[str, str | list[str]] = {
        "receive": "on",
        "agency_kinds": ["police", "fire"],
        "quiet_start": "22:00",
        "quiet_end": "07:00",
        "time_zone": "Europe/Berlin",
    }
    async with browser(app, owner) as page:
        response = await page.post_form(_path(home_id, "requests"), form, htmx=True)
        assert response.status_code == 200, response.text
        assert "Police, Fire services" in response.text
        assert "quiet 22:00–07:00 (Europe/Berlin)" in response.text
        with hub.sessions() as session:
            row = session.get_one(RequestSettings, home_id)
            assert (row.agency_kinds, row.quiet_start_minute, row.quiet_end_minute) == (
                "police,fire",
                22 * 60,
                7 * 60,
            )
            assert row.time_zone == "Europe/Berlin" and not row.emergencies_bypass_quiet
        cases = {
            "time_zone": {**form, "time_zone": "Mars/Olympus"},
            "quiet_hours": {**form, "quiet_end": ""},
            "agency_kinds": {**form, "agency_kinds": ["police", "spies"]},
            "quiet_start": {**form, "quiet_start": "25:00"},
        }
        for field, bad in cases.items():
            refused = await page.post_form(_path(home_id, "requests"), bad, htmx=True)
            assert refused.status_code == 422, field
            assert f'id="requests-{field}-error"' in refused.text, (field, refused.text)
    with hub.sessions() as session:
        assert session.get_one(RequestSettings, home_id).time_zone == "Europe/Berlin"


async def test_a_member_who_is_not_the_owner_is_refused(
    app: FastAPI, actors: Actors, owner_home: OwnerHome, hub: HubState
) -> None:
    owner, home_id = owner_home
    member = _member(actors, owner, home_id)
    async with browser(app, member) as page:
        assert (await page.get(_path(home_id))).status_code == 403
        response = await page.post_form(_path(home_id, "retention"), {"retention_days": "5"})
        assert response.status_code == 403
        # The home page doesn't offer the member the settings link.
        assert _path(home_id) not in (await page.get("/home")).text
    assert _retention_days(hub, home_id) == 30


async def test_another_residents_home_is_404_and_unchanged(
    app: FastAPI, actors: Actors, hub: HubState
) -> None:
    owner, stranger = actors.resident(), actors.resident()
    home_id, _ = actors.home(owner)
    async with browser(app, stranger) as page:
        assert (await page.get(_path(home_id))).status_code == 404
        for form, data in (("retention", {"retention_days": "5"}), ("requests", {})):
            response = await page.post_form(_path(home_id, form), data, htmx=True)
            assert response.status_code == 404, form
    with hub.sessions() as session:
        assert session.get_one(Home, home_id).retention_days == 30
        assert session.get(RequestSettings, home_id) is None


async def test_a_post_without_the_csrf_token_is_refused(
    app: FastAPI, owner_home: OwnerHome, hub: HubState
) -> None:
    owner, home_id = owner_home
    async with browser(app, owner) as page:
        response = await page.http.post(
            _path(home_id, "retention"),
            data={"retention_days": "5"},
            headers={"Accept": "text/html"},
        )
    assert response.status_code == 403
    assert _retention_days(hub, home_id) == 30
