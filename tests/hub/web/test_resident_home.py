"""The resident's home page: homes, cameras with health and key alarms, events, prompts."""

from __future__ import annotations

import os
import re
from datetime import timedelta

from fastapi import FastAPI
from httpx import AsyncClient

from doorstep.crypto.format import PARTS
from doorstep.hub.db import transaction, utcnow
from doorstep.hub.homes.models import Camera
from doorstep.hub.state import HubState
from tests.hub.actors import Actors
from tests.hub.clips.uploads import upload_clip
from tests.hub.web.browsers import browser


async def test_signed_out_goes_to_sign_in(app: FastAPI) -> None:
    async with browser(app) as page:
        response = await page.get("/home")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/home"


async def test_other_roles_get_403(app: FastAPI, actors: Actors) -> None:
    from doorstep.hub.accounts.models import Role

    for role in (Role.AGENCY_MEMBER, Role.ADMIN):
        async with browser(app, actors.user(role)) as page:
            response = await page.get("/home")
        assert response.status_code == 403, role
        assert "for residents only" in response.text


async def test_new_resident_is_prompted_to_set_up_keys(app: FastAPI, actors: Actors) -> None:
    owner = actors.resident()
    actors.home(owner)
    async with browser(app, owner) as page:
        response = await page.get("/home")
    assert response.status_code == 200
    assert 'href="/keys/setup"' in response.text
    assert 'id="prompt-pair-' in response.text  # no edge paired yet
    assert "No report yet" in response.text


async def test_cameras_health_alarm_events_and_links(
    app: FastAPI, actors: Actors, hub: HubState, client: AsyncClient
) -> None:
    owner = actors.resident()
    home_id, [front, back] = actors.home(owner, cameras=2)
    device = actors.device(owner, home_id)  # also makes the owner's key: no key prompt
    now = utcnow().replace(microsecond=0)
    with transaction(hub.sessions) as session:
        camera = session.get_one(Camera, front)
        camera.health_reported_at, camera.health_connected = now, True
        camera.health_fps, camera.health_errors = 7.5, 3
        camera.health_last_frame_at = now - timedelta(seconds=4)
        alarm = session.get_one(Camera, back)
        alarm.health_reported_at, alarm.health_connected = now, True
        alarm.health_fps, alarm.health_errors = 5.0, 0
        alarm.health_key_alarm = "the served home key is not in a list the owner signed"
    payloads = {name: os.urandom(100) for name in PARTS}
    started = now - timedelta(minutes=3)
    clip_id = await upload_clip(
        client, device, front, payloads, (started, started + timedelta(seconds=20))
    )
    async with browser(app, owner) as page:
        text = (await page.get("/home")).text
    assert 'href="/keys/setup"' not in text
    assert "prompt-pair-" not in text
    assert "<dd>7.5</dd>" in text
    assert re.search(r"<dt>Last frame</dt><dd>\d+ s ago</dd>", text)
    assert "<dd>3</dd>" in text  # errors
    assert "Key alarm on 1 camera" in text
    assert "the served home key is not in a list the owner signed" in text
    assert f'href="/cameras/{front}"' in text and f'href="/cameras/{back}"' in text
    assert f'data-live-path="/cameras/{front}"' in text
    assert ":8090/cameras/" in text  # the edge's live-view address pattern
    assert f'href="/clips/{clip_id}"' in text
    assert "<strong>1</strong> event today" in text


async def test_another_residents_home_is_not_shown(app: FastAPI, actors: Actors) -> None:
    owner, stranger = actors.resident(), actors.resident()
    home_id, [camera_id] = actors.home(owner)
    async with browser(app, stranger) as page:
        text = (await page.get("/home")).text
    assert str(camera_id) not in text and str(home_id) not in text
    assert "You belong to no home yet" in text
