"""The request composer: every limit checked live by the policy, and filing refused on the page.

The live check (POST /agency/requests/check, htmx) and the submit (POST
/agency/requests/new) must refuse what POST /v1/agency/requests refuses, naming the
limit next to its field, because all three run the same policy code.
"""

from __future__ import annotations

import html
import json
import re
import uuid
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from httpx import AsyncClient

from doorstep.hub.agencies.service import suspend_agency
from doorstep.hub.db import transaction
from tests.hub.actors import Actors
from tests.hub.shares import scene
from tests.hub.web.browsers import browser

AREA_LIMIT = "the largest area of a request is 0.5 km²"
CODE_LIMIT = "the budget of requests per investigation code is 3 requests"


def _local(moment: datetime) -> str:
    """As the page's datetime-local input (step 1 s) sends it: no zone, to the second, UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def form(radius_m: float = 300, **changes: str) -> dict[str, str]:
    now = datetime.now(UTC)
    circle = {"latitude": scene.CAMERA[0], "longitude": scene.CAMERA[1], "radius_m": radius_m}
    values = {
        "investigation_code": "CASE-2026-0042",
        "category": "burglary",
        "details": "Burglary reported at 10:40; looking for people leaving the block.",
        "location": json.dumps({"circle": circle}),
        "window_start": _local(now - timedelta(hours=1)),
        "window_end": _local(now - timedelta(minutes=2)),
        "retention_days": "90",
        "attests_purpose": "on",
    }
    return {**values, **changes}


def message(text: str, element_id: str) -> str:
    """The text of the element with this id (a field's message, or a live figure)."""
    match = re.search(rf'<p [^>]*id="{element_id}"[^>]*>(.*?)</p>', text, re.S)
    assert match, f"no #{element_id} in the answer"
    return html.unescape(re.sub(r"<[^>]+>", "", match[1])).strip()


async def test_the_composer_shows_every_limit_beside_its_field(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    async with browser(app, agency.member) as page:
        text = (await page.get("/agency/requests/new")).text
    assert "The largest area of a request is 0.5 km²" in message(text, "hint-location")
    assert "Between 15 min and 12 h long, starting at most 30 days ago" in text
    assert "The budget of requests per investigation code is 3" in message(
        text, "hint-investigation_code"
    )
    assert "budget of total area per investigation code is 1 km²" in text
    assert "budget of requests per agency in a period is 20 per 30 days" in text
    assert "1 to 180 days" in text
    assert text.count('type="datetime-local" step="1"') == 2  # seconds can be typed
    assert "It is not about lawful assembly or protest" in text  # the attestation
    assert 'id="check-summary" role="status" aria-live="polite"' in text
    assert 'hx-post="/agency/requests/check"' in text


async def test_too_large_an_area_is_refused_live_naming_the_limit(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    async with browser(app, agency.member) as page:
        full = await page.post_form("/agency/requests/check", form(radius_m=450), htmx=True)
        # Only the area drawn so far: the rest stands in, the area is still checked.
        alone = await page.post_form(
            "/agency/requests/check",
            {"location": form(radius_m=450)["location"]},
            htmx=True,
        )
        api = await client.post(
            "/v1/agency/requests",
            json=scene.request_body(
                location={"circle": {"latitude": 45.5, "longitude": -122.6, "radius_m": 450}}
            ),
            headers=agency.member.headers,
        )
    assert full.status_code == 200 and alone.status_code == 200
    assert message(full.text, "error-location") == api.json()["detail"]
    assert AREA_LIMIT in message(alone.text, "error-location")
    assert 'id="error-location" hx-swap-oob="true"' in full.text
    assert "This request would be refused." in full.text
    assert message(full.text, "area-size") == "Drawn: 0.635 km² of at most 0.5 km²."


async def test_a_fourth_request_under_one_code_is_refused_live(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    async with browser(app, agency.member) as page:
        for used in range(3):
            checked = await page.post_form("/agency/requests/check", form(), htmx=True)
            assert f"{3 - used} of 3 requests" in message(checked.text, "code-budget")
            await scene.file_request(client, agency)
        checked = await page.post_form("/agency/requests/check", form(), htmx=True)
    assert CODE_LIMIT in message(checked.text, "error-investigation_code")
    assert "0 of 3 requests" in message(checked.text, "code-budget")
    assert "17 of 20 requests" in message(checked.text, "agency-left")


async def test_what_is_still_to_fill_is_listed_not_refused(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    async with browser(app, agency.member) as page:
        checked = await page.post_form(
            "/agency/requests/check", {"location": form()["location"]}, htmx=True
        )
        ready = await page.post_form("/agency/requests/check", form(), htmx=True)
    assert "Within every limit so far. Still to fill: investigation code" in checked.text
    assert "purpose attestation" in checked.text and "refused" not in checked.text
    assert "Within every limit: ready to file." in ready.text


async def test_the_purpose_screen_and_the_window_are_named_next_to_their_fields(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    now = datetime.now(UTC)
    async with browser(app, agency.member) as page:
        protest = await page.post_form(
            "/agency/requests/check",
            form(details="Looking for the people at the protest on Main Street."),
            htmx=True,
        )
        long = await page.post_form(
            "/agency/requests/check",
            form(window_start=_local(now - timedelta(hours=13))),
            htmx=True,
        )
    assert "lawful assembly or protest" in message(protest.text, "error-details")
    assert "the longest time window of a request is 12 h" in message(long.text, "error-window")


async def test_filing_a_valid_request_goes_to_its_page(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    async with browser(app, agency.member) as page:
        end = (datetime.now(UTC) - timedelta(minutes=3)).replace(second=17, microsecond=0)
        values = form(investigation_code="CASE-WEB", window_end=_local(end))
        filed = await page.post_form("/agency/requests/new", values)
        assert filed.status_code == 303, filed.text
        shown = await page.get(filed.headers["location"])
    listed = (await client.get("/v1/agency/requests", headers=agency.member.headers)).json()
    [row] = listed["data"]
    assert filed.headers["location"] == f"/agency/requests/{row['id']}"
    assert row["investigation_code"] == "CASE-WEB" and row["retention_days"] == 90
    assert row["audit_index"] is not None
    assert datetime.fromisoformat(row["window_end"]) == end  # kept to the second
    assert "Request CASE-WEB" in shown.text


async def test_filing_refused_shows_the_limit_on_the_page_and_keeps_nothing(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    for _ in range(3):
        await scene.file_request(client, agency)
    async with browser(app, agency.member) as page:
        large = await page.post_form("/agency/requests/new", form(450, investigation_code="NEW"))
        fourth = await page.post_form("/agency/requests/new", form())
        empty = await page.post_form("/agency/requests/new", {})
    assert large.status_code == 422 and AREA_LIMIT in message(large.text, "error-location")
    assert fourth.status_code == 422
    assert CODE_LIMIT in message(fourth.text, "error-investigation_code")
    # The drawn area comes back in the form, for the map to show again.
    assert '"radius_m": 450' in html.unescape(large.text)
    assert empty.status_code == 422
    assert message(empty.text, "error-investigation_code") == "investigation code: required"
    assert message(empty.text, "error-location") == "area: required"
    listed = (await client.get("/v1/agency/requests", headers=agency.member.headers)).json()
    assert listed["count"] == 3


async def test_a_suspended_agency_is_told_on_the_page(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    agency_id = uuid.UUID(
        (await client.get("/v1/agency", headers=agency.member.headers)).json()["id"]
    )
    with transaction(actors.hub.sessions) as session:
        suspend_agency(session, actor=None, agency_id=agency_id, reason="Broke the rules.")
    async with browser(app, agency.member) as page:
        checked = await page.post_form("/agency/requests/check", form(), htmx=True)
        filed = await page.post_form("/agency/requests/new", form())
    assert "suspended by an admin" in message(checked.text, "error-agency")
    assert filed.status_code == 422 and "suspended by an admin" in message(
        filed.text, "error-agency"
    )
