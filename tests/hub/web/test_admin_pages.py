"""The admin's pages: health, agencies (create, verify, suspend, reinstate, members),
the flag queue with published notes, legal demands and their notice delays, users and lockouts.

Every action goes through the same service as the JSON API, so it lands in the audit log
under the admin's name.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select

from doorstep.hub.accounts.models import Role
from doorstep.hub.agencies.models import Agency
from doorstep.hub.audit.models import AuditEntry
from tests.hub.actors import JURISDICTION, Actors
from tests.hub.demands import demand_body, two_hours_ago
from tests.hub.shares import scene
from tests.hub.web.browsers import browser
from tests.hub.web.test_agency_composer import message


def _entries(actors: Actors, action: str) -> list[dict[str, Any]]:
    with actors.hub.sessions() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        return [json.loads(row.public) for row in rows]


def _agency(actors: Actors, name: str) -> Agency:
    with actors.hub.sessions() as session:
        found = session.scalar(select(Agency).where(Agency.name == name))
        assert found is not None
        session.expunge(found)
        return found


async def test_overview_shows_readiness_checkpoint_age_and_counts(
    app: FastAPI, actors: Actors
) -> None:
    admin = actors.user(Role.ADMIN)
    actors.resident()
    async with browser(app, admin) as page:
        text = (await page.get("/admin")).text
    for check in ("database", "storage", "bus"):
        assert f'id="check-{check}"><span class="badge badge-ok">ok</span>' in text
    assert re.search(r'id="check-database"><span class="badge badge-ok">ok</span>', text)
    assert re.search(r'id="checkpoint-age">\d+ s<', text)
    assert re.search(r"<th scope=\"row\">Residents</th><td class=\"number\">1</td>", text)


async def test_create_verify_suspend_and_reinstate_an_agency(app: FastAPI, actors: Actors) -> None:
    admin = actors.user(Role.ADMIN)
    drawn = {"polygon": JURISDICTION}  # as map.js's polygon drawing hands it over
    async with browser(app, admin) as page:
        created = await page.post_form(
            "/admin/agencies",
            {
                "name": "River Police",
                "kind": "police",
                "contact_email": "desk@river.example",
                "jurisdiction_drawn": json.dumps(drawn),
            },
        )
        assert created.status_code == 303, created.text
        agency = _agency(actors, "River Police")
        assert agency.verified_at is None and agency.jurisdiction is not None
        assert json.loads(agency.jurisdiction)["type"] == "Polygon"
        listed = (await page.get("/admin/agencies")).text
        assert 'data-geometry="{&#34;type&#34;' in listed or "data-geometry=" in listed
        assert "Verify River Police" in listed
        verified = await page.post_form(f"/admin/agencies/{agency.id}/verify", {})
        assert verified.status_code == 303
        told = (await page.get(verified.headers["location"])).text
        assert (
            '<div id="done" role="status" aria-live="polite"><p class="alert alert-ok">'
            "Agency verified: it can file requests.</p>" in told
        )
        refused = await page.post_form(f"/admin/agencies/{agency.id}/suspend", {"reason": ""})
        suspended = await page.post_form(
            f"/admin/agencies/{agency.id}/suspend", {"reason": "Filed about a protest."}
        )
        assert suspended.status_code == 303
        after_suspend = (await page.get("/admin/agencies")).text
        reinstated = await page.post_form(f"/admin/agencies/{agency.id}/reinstate", {})
        assert reinstated.status_code == 303
    assert refused.status_code == 422
    assert "reason: give the reason" in message(refused.text, f"error-reason-{agency.id}")
    assert "Reinstate River Police" in after_suspend and "Filed about a protest." in after_suspend
    assert _agency(actors, "River Police").suspended_at is None
    names = {"agency.created", "agency.verified", "agency.suspended", "agency.reinstated"}
    for action in names:
        [entry] = _entries(actors, action)
        assert entry["objects"]["agency"] == "River Police", action
        assert entry["actor"]["name"] == admin.email.split("@")[0], action
    assert _entries(actors, "agency.suspended")[0]["objects"]["reason"] == "Filed about a protest."


async def test_bad_agency_forms_name_the_field(app: FastAPI, actors: Actors) -> None:
    admin = actors.user(Role.ADMIN)
    async with browser(app, admin) as page:
        nowhere = await page.post_form(
            "/admin/agencies",
            {"name": "Lake Fire", "kind": "fire", "contact_email": "desk@lake.example"},
        )
        pasted = await page.post_form(
            "/admin/agencies",
            {
                "name": "Lake Fire",
                "kind": "fire",
                "contact_email": "not an email",
                "jurisdiction_geojson": json.dumps(JURISDICTION),
            },
        )
    assert nowhere.status_code == 422
    assert message(nowhere.text, "error-jurisdiction") == (
        "jurisdiction: draw it on the map or paste GeoJSON"
    )
    assert pasted.status_code == 422 and "contact_email" in message(
        pasted.text, "error-contact_email"
    )


async def test_a_new_member_gets_a_one_time_password_shown_once(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    admin = actors.user(Role.ADMIN)
    agency = await scene.agency(actors, client, name="Harbour Police")
    agency_id = (await client.get("/v1/agency", headers=agency.member.headers)).json()["id"]
    async with browser(app, admin) as page:
        added = await page.post_form(
            f"/admin/agencies/{agency_id}/members",
            {"email": "new@harbour.example", "display_name": "New Officer"},
        )
        again = (await page.get("/admin/agencies")).text
    assert added.status_code == 200 and added.headers["cache-control"] == "no-store"
    password = re.search(r'id="one-time-password">.*?<code>([^<]+)</code>', added.text, re.S)
    assert password is not None and password[1] not in again
    login = await client.post(
        "/v1/auth/login", json={"email": "new@harbour.example", "password": password[1]}
    )
    assert login.status_code == 200


async def test_reviewing_a_flag_publishes_the_note(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    admin = actors.user(Role.ADMIN)
    agency = await scene.agency(actors, client)
    filed = await scene.file_request(client, agency)
    resident = actors.resident()
    flag = await client.post(
        f"/v1/requests/{filed['id']}/flags",
        json={"reason": "This request is about the march on Saturday."},
        headers=resident.headers,
    )
    flag_id = flag.json()["id"]
    async with browser(app, admin) as page:
        queue = (await page.get("/admin/flags")).text
        empty = await page.post_form(f"/admin/flags/{flag_id}/review", {"outcome": "uphold"})
        upheld = await page.post_form(
            f"/admin/flags/{flag_id}/review",
            {"outcome": "uphold", "note": "Upheld: the request was about a march."},
        )
        reviewed = (await page.get("/admin/flags")).text
    assert "This request is about the march on Saturday." in queue
    assert empty.status_code == 422 and "note:" in message(empty.text, f"error-{flag_id}")
    assert upheld.status_code == 303
    assert "No flag waits for review." in reviewed
    assert "Upheld: the request was about a march." in reviewed
    logged = (await client.get(f"/v1/requests/{filed['id']}")).json()
    assert logged["status"] == "withdrawn_after_review"
    [entry] = _entries(actors, "request.reviewed")
    assert entry["objects"]["note"] == "Upheld: the request was about a march."


async def test_demands_show_their_notice_delays(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    admin = actors.user(Role.ADMIN)
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    start = two_hours_ago()
    delayed = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    for until in (None, delayed):
        body = demand_body(
            home_id, start=start, end=start + timedelta(hours=1), delayed_until=until
        )
        recorded = await client.post("/v1/admin/demands", json=body, headers=admin.headers)
        assert recorded.status_code == 201, recorded.text
    async with browser(app, admin) as page:
        text = (await page.get("/admin/demands")).text
    assert text.count("Multnomah County Circuit Court") == 2
    assert f'until <time datetime="{delayed.isoformat()}">' in text
    assert "at once" in text
    assert re.search(r'<td class="number">1 of 1</td>', text)  # told at once
    assert re.search(r'<td class="number">0 of 1</td>', text)  # delayed


async def test_a_locked_out_user_is_shown_and_unlocked(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    admin = actors.user(Role.ADMIN)
    victim = actors.resident(email="victim@doorstep.example")
    for _ in range(actors.hub.settings.login_max_failures):
        await client.post("/v1/auth/login", json={"email": victim.email, "password": "wrong"})
    async with browser(app, admin) as page:
        locked = (await page.get("/admin/users")).text
        unlocked = await page.post_form(f"/admin/users/{victim.user_id}/unlock", {})
        after = (await page.get(unlocked.headers["location"])).text
    row = re.search(rf'id="user-{victim.user_id}">(.*?)</tr>', locked, re.S)
    assert row is not None and "locked" in row[1] and "Unlock victim" in row[1]
    assert unlocked.status_code == 303
    assert "Account unlocked: its failed sign-ins are forgotten." in after
    row = re.search(rf'id="user-{victim.user_id}">(.*?)</tr>', after, re.S)
    assert row is not None and "locked" not in row[1] and "Unlock" not in row[1]
    assert len(_entries(actors, "account.unlocked")) == 1
    assert len(_entries(actors, "accounts.listed")) == 2  # each look at the list is logged
