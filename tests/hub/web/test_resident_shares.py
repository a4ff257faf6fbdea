"""Receipts and "who holds my footage": what was shared, the receipt file, withdrawal."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient

from doorstep.evidence.receipt import verify_receipt
from doorstep.hub.shares.models import Share, SharedClip
from doorstep.hub.state import HubState
from tests.hub.actors import Actors
from tests.hub.shares.scene import Agency, Home, police_request, share
from tests.hub.web.browsers import browser
from tests.hub.web.isolated import own_app, own_database_url, own_settings  # noqa: F401


async def _shared(actors: Actors, client: AsyncClient) -> tuple[Home, dict[str, Any], Agency]:
    """A request of Riverside Police that the home's owner answered with a share."""
    home, police, filed = await police_request(actors, client)
    return home, await share(client, actors, home, police, filed["id"]), police


async def test_receipts_list_what_was_shared_and_download_the_signed_json(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    home, shared, _ = await _shared(actors, client)
    async with browser(app, home.owner) as page:
        text = (await page.get("/receipts")).text
        assert "Riverside Police" in text
        assert shared["clips"][0]["ciphertext_sha256"] in text
        link = f"/receipts/{shared['id']}/receipt.json"
        assert f'href="{link}"' in text
        download = await page.http.get(link)
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment;")
    api = await client.get(f"/v1/me/shares/{shared['id']}/receipt", headers=home.owner.headers)
    assert download.content == api.content  # what `doorstep inbox receipt` saves
    assert download.json()["receipt"]["share_id"] == shared["id"]
    assert verify_receipt(download.content, hub_key=None)  # `doorstep evidence verify-receipt`


async def test_holdings_show_live_share_and_withdraw_after_confirmation(
    app: FastAPI, actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    home, shared, _ = await _shared(actors, client)
    async with browser(app, home.owner) as page:
        text = (await page.get("/holdings")).text
        assert "Riverside Police: 1 clip" in text and "Not downloaded yet" in text
        assert "days left" in text
        confirm_path = f"/holdings/{shared['id']}/withdraw"
        assert f'href="{confirm_path}"' in text
        confirm = await page.get(confirm_path)
        assert confirm.status_code == 200 and 'id="confirm-withdraw"' in confirm.text
        with hub.sessions() as session:  # the confirmation page changes nothing
            assert session.get_one(Share, uuid.UUID(shared["id"])).ended_at is None
        done = await page.post_form(confirm_path, {})
        assert done.status_code == 303 and done.headers["location"] == "/holdings?done=withdrawn"
        after = (await page.get(done.headers["location"])).text
        assert "No agency holds keys to your clips" in after
        assert "withdrawn" in after and "keys to those clips are deleted" in after
        again = await page.post_form(confirm_path, {})
    assert again.status_code == 409
    with hub.sessions() as session:
        assert session.get_one(Share, uuid.UUID(shared["id"])).end_reason == "withdrawn"
        assert (
            session.get_one(SharedClip, (uuid.UUID(shared["id"]), home.clip_id)).wrapped_key is None
        )


async def test_another_resident_sees_nothing_and_can_withdraw_nothing(
    app: FastAPI, actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    home, shared, _ = await _shared(actors, client)
    stranger = actors.resident()
    async with browser(app, stranger) as page:
        assert "You have shared nothing" in (await page.get("/receipts")).text
        assert "Riverside Police" not in (await page.get("/holdings")).text
        for path in (
            f"/receipts/{shared['id']}/receipt.json",
            f"/holdings/{shared['id']}/withdraw",
        ):
            assert (await page.get(path)).status_code == 404, path
        refused = await page.post_form(f"/holdings/{shared['id']}/withdraw", {})
    assert refused.status_code == 404
    with hub.sessions() as session:
        assert session.get_one(Share, uuid.UUID(shared["id"])).ended_at is None


async def test_withdraw_without_csrf_is_refused(
    app: FastAPI, actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    home, shared, _ = await _shared(actors, client)
    async with browser(app, home.owner) as page:
        response = await page.http.post(
            f"/holdings/{shared['id']}/withdraw", headers={"Accept": "text/html"}
        )
    assert response.status_code == 403
    with hub.sessions() as session:
        assert session.get_one(Share, uuid.UUID(shared["id"])).ended_at is None


async def test_an_extension_asked_by_the_agency_is_granted_or_refused_on_the_page(
    app: FastAPI, actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    home, shared, police = await _shared(actors, client)
    share_id = uuid.UUID(shared["id"])
    expires = datetime.fromisoformat(shared["expires_at"])
    until = expires + timedelta(days=30)
    asked = await client.post(
        f"/v1/agency/shares/{share_id}/extension",
        json={"until": until.isoformat(), "reason": "The trial is set for March."},
        headers=police.member.headers,
    )
    assert asked.status_code == 200, asked.text
    async with browser(app, home.owner) as page:
        text = (await page.get("/holdings")).text
        assert "The trial is set for March." in text
        assert f'action="/holdings/{share_id}/extension"' in text
        wrong = await page.post_form(f"/holdings/{share_id}/extension", {"grant": "maybe"})
        assert wrong.status_code == 422 and "grant" in wrong.text
        with hub.sessions() as session:
            assert session.get_one(Share, share_id).extension_until is not None
        granted = await page.post_form(f"/holdings/{share_id}/extension", {"grant": "yes"})
        assert granted.headers["location"] == "/holdings?done=extended"
        with hub.sessions() as session:
            assert session.get_one(Share, share_id).expires_at == until
        # Nothing is waiting any more: a second answer conflicts.
        again = await page.post_form(f"/holdings/{share_id}/extension", {"grant": "no"})
        assert again.status_code == 409
        stranger = actors.resident()
    async with browser(app, stranger) as other:
        refused = await other.post_form(f"/holdings/{share_id}/extension", {"grant": "yes"})
        assert refused.status_code == 404
