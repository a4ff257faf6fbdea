"""Public pages, no sign-in: the request log with its map and CSV, the agencies, the audit log.

They publish what the public JSON routes publish and nothing more: never a request's
details, its investigation code, its precise shape, or anyone who was asked.
"""

from __future__ import annotations

import html
import json
import re

from fastapi import FastAPI
from httpx import AsyncClient

from doorstep.crypto.keys import public_raw
from doorstep.crypto.safety import agency_fingerprint
from doorstep.hub.web.maps import cells_geojson
from tests.hub.actors import Actors
from tests.hub.shares import scene
from tests.hub.web.browsers import browser


async def test_the_request_log_shows_the_public_fields_only(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client, name="Bridge Police")
    other = await scene.agency(actors, client, name="Ferry Police")
    filed = await scene.file_request(client, agency)
    await scene.file_request(client, other, category="vandalism")
    agency_id = (await client.get("/v1/agency", headers=agency.member.headers)).json()["id"]
    async with browser(app) as page:
        text = (await page.get("/requests")).text
        only = (await page.get(f"/requests?agency={agency_id}")).text
        csv_link = re.search(r'href="(/v1/requests\.csv[^"]*)" download', text)
        assert csv_link is not None
        csv = await page.http.get(html.unescape(csv_link[1]))
    public = (await client.get(f"/v1/requests/{filed['id']}")).json()
    public_area = public["area_km2"]
    row = re.search(rf'id="request-{filed["id"]}">(.*?)</tr>', text, re.S)
    assert row is not None and "Bridge Police" in row[1] and "burglary" in row[1]
    assert f'<td class="number">{public_area}</td>' in row[1]
    assert filed["details"] not in text and "CASE-2026-0042" not in text
    cells = re.search(r'data-cells="([^"]+)"', text)
    assert cells is not None  # the request's coarse cells, as GeoJSON for map.js
    shown = json.loads(html.unescape(cells[1]))["coordinates"]
    assert all(each in shown for each in cells_geojson(public["coarse_cells"])["coordinates"])
    assert "Ferry Police" in text and "Ferry Police" not in only and "Bridge Police" in only
    assert csv.status_code == 200 and filed["id"] in csv.text


async def test_the_agencies_page_shows_budget_use_and_fingerprints(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client, name="Canal Police")
    for _ in range(3):
        await scene.file_request(client, agency)
    async with browser(app) as page:
        text = (await page.get("/agencies")).text
    row = re.search(r"Canal Police</a></th>(.*?)</tr>", text, re.S)
    assert row is not None
    assert '<td class="number">3 of 20</td>' in row[1] and "verified" in row[1]
    assert agency_fingerprint(public_raw(agency.key.public_key())) in row[1]


async def test_the_audit_page_shows_the_checkpoint_key_and_recent_entries(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    filed = await scene.file_request(client, agency)
    checkpoint = (await client.get("/v1/audit/checkpoint")).json()
    vkey = (await client.get("/v1/audit/key")).json()["vkey"]
    async with browser(app) as page:
        text = (await page.get(f"/audit?index={filed['audit_index']}")).text
    assert html.escape(checkpoint["note"], quote=False) in text
    assert f'value="{html.escape(vkey)}"' in text
    assert f'value="{filed["audit_index"]}"' in text  # the form starts on the asked entry
    assert f'<a href="/audit?index={filed["audit_index"]}">' in text
    assert "request.created" in text
    assert 'id="proof-result" class="proof-result" role="status" aria-live="polite"' in text
