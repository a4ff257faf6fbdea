"""The request inbox pages: the list, one request in full, and declining."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient

from doorstep.hub.requests.models import DeliveryAnswer, RequestDelivery
from doorstep.hub.state import HubState
from tests.hub.actors import Actors
from tests.hub.clips.uploads import upload_with_twin
from tests.hub.shares.scene import (
    Agency,
    Home,
    delivery_of,
    now,
    police_request,
    share,
)
from tests.hub.web.browsers import browser
from tests.hub.web.isolated import own_app, own_database_url, own_settings  # noqa: F401

Entry = dict[str, Any]


async def request_in_inbox(actors: Actors, client: AsyncClient) -> tuple[Home, Agency, Entry]:
    """A home with a clip, and a request of Riverside Police in its owner's inbox."""
    home, police, filed = await police_request(actors, client)
    return home, police, await delivery_of(client, home, filed["id"])


async def test_inbox_lists_requests_with_status_and_answer(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    home, _, entry = await request_in_inbox(actors, client)
    async with browser(app, home.owner) as page:
        response = await page.get("/inbox")
        assert response.status_code == 200
        text = response.text
        assert f'href="/inbox/{entry["id"]}"' in text
        assert "Riverside Police, burglary" in text
        assert "Not answered" in text and ">open</span>" in text
        # The home page counts it as waiting.
        assert "1 request" in (await page.get("/home")).text


async def test_entry_shows_details_area_and_own_clips(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    home, _, entry = await request_in_inbox(actors, client)
    async with browser(app, home.owner) as page:
        response = await page.get(f"/inbox/{entry['id']}")
    assert response.status_code == 200
    text = response.text
    for shown in (
        "CASE-2026-0042",
        "Burglary reported at 10:40",
        "Riverside Police (police)",
        "90 days",
    ):
        assert shown in text, shown
    assert "km² centred at latitude 45.5" in text  # the area in words
    geometry = text.split('data-geometry="', 1)[1].split('"', 1)[0].replace("&#34;", '"')
    assert json.loads(geometry)["type"] == "Polygon"
    assert f'data-clip-id="{home.clip_id}"' in text and f'href="/clips/{home.clip_id}"' in text
    assert 'id="share-form"' in text and 'id="decline-button"' in text


async def test_entry_offers_sharing_the_blurred_copy_only_for_a_clip_with_a_twin(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    home, _, entry = await request_in_inbox(actors, client)
    started = now() - timedelta(minutes=10)
    twinned = await upload_with_twin(
        client,
        actors.device(home.owner, home.home_id),
        home.camera_id,
        times=(started, started + timedelta(seconds=20)),
    )
    assert twinned.committed.status_code == 201, twinned.committed.text
    async with browser(app, home.owner) as page:
        text = (await page.get(f"/inbox/{entry['id']}")).text
    assert f'id="clip-{twinned.clip_id}"' in text and f'id="clip-{home.clip_id}"' in text
    assert f'id="twin-{twinned.clip_id}"' in text
    assert f'id="twin-{home.clip_id}"' not in text  # a clip without a twin: whole or nothing
    assert "The original stays encrypted and is not shared" in text
    # Each clip's links name its camera and time, so a screen reader's list of links tells
    # the clips apart.
    links = re.findall(r'<a href="/clips/[^"]+">(.*?)</a>', text, flags=re.DOTALL)
    names = [" ".join(re.sub(r"<[^>]+>", "", link).split()) for link in links]
    assert len(names) == 3 and all(re.search(r" of .+, \d{4}-\d\d-\d\d", n) for n in names)


async def test_decline_is_a_plain_post_and_is_shown(
    app: FastAPI, actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    home, _, entry = await request_in_inbox(actors, client)
    async with browser(app, home.owner) as page:
        response = await page.post_form(f"/inbox/{entry['id']}/decline", {})
        assert response.status_code == 303
        assert response.headers["location"] == f"/inbox/{entry['id']}?done=declined"
        after = (await page.get(response.headers["location"])).text
    assert "The agency is not told" in after and "You declined" in after
    assert 'id="decline-button"' not in after
    with hub.sessions() as session:
        assert (
            session.get_one(RequestDelivery, uuid.UUID(entry["id"])).answer
            == DeliveryAnswer.DECLINED
        )


async def test_a_shared_entry_offers_no_decline(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    home, police, entry = await request_in_inbox(actors, client)
    await share(client, actors, home, police, entry["request"]["id"])
    async with browser(app, home.owner) as page:
        text = (await page.get(f"/inbox/{entry['id']}")).text
        assert "You shared clips" in text and 'id="decline-button"' not in text
        refused = await page.post_form(f"/inbox/{entry['id']}/decline", {})
    assert refused.status_code == 409
    assert "withdraw the share instead" in refused.text


async def test_another_residents_entry_is_404_and_not_declined(
    app: FastAPI, actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    home, _, entry = await request_in_inbox(actors, client)
    stranger = actors.resident()
    async with browser(app, stranger) as page:
        assert (await page.get(f"/inbox/{entry['id']}")).status_code == 404
        assert (await page.post_form(f"/inbox/{entry['id']}/decline", {})).status_code == 404
        assert "No request has reached your homes" in (await page.get("/inbox")).text
    with hub.sessions() as session:
        assert (
            session.get_one(RequestDelivery, uuid.UUID(entry["id"])).answer
            == DeliveryAnswer.PENDING
        )


async def test_signed_out_is_sent_to_sign_in(app: FastAPI) -> None:
    async with browser(app) as page:
        for path in ("/inbox", "/inbox/6d1b2a1e-3f5c-4c1e-9a39-5b6f7b5e4d10"):
            response = await page.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/sign-in?next=/inbox")
