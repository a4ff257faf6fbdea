"""The clip page as the hub renders it: what it says in clear, and the request links."""

from __future__ import annotations

from fastapi import FastAPI
from httpx import AsyncClient

from tests.hub.actors import Actors
from tests.hub.shares.scene import agency, delivery_of, file_request, home_with_clip
from tests.hub.web.browsers import browser


async def test_the_page_names_the_camera_and_links_a_pending_request(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    home = await home_with_clip(actors, client)
    async with browser(app, home.owner) as page:
        before = (await page.get(f"/clips/{home.clip_id}")).text
    assert f'data-clip-id="{home.clip_id}"' in before
    assert 'data-parts="' in before and "/static/clip-page.js" in before
    assert 'id="clip-video"' in before and "Decrypt and play" in before
    assert "Agency requests that cover this clip" not in before

    police = await agency(actors, client, name="Riverside Police")
    filed = await file_request(client, police)
    entry = await delivery_of(client, home, filed["id"])
    async with browser(app, home.owner) as page:
        after = (await page.get(f"/clips/{home.clip_id}")).text
    assert "Agency requests that cover this clip" in after
    assert f'href="/inbox/{entry["id"]}"' in after
    assert "Share with Riverside Police (CASE-2026-0042)" in after

    # Declined, it is no longer offered.
    async with browser(app, home.owner) as page:
        await page.post_form(f"/inbox/{entry['id']}/decline", {})
        declined = (await page.get(f"/clips/{home.clip_id}")).text
    assert f'href="/inbox/{entry["id"]}"' not in declined
