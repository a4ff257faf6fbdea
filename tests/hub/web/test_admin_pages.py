"""The admin's pages: health, agencies (create, verify, suspend, reinstate, members),
the flag queue with published notes, legal demands and their notice delays, users and lockouts.

Every action goes through the same service as the JSON API, so it lands in the audit log
under the admin's name.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select

from doorstep.hub.accounts.models import Role
from doorstep.hub.agencies.models import Agency
from doorstep.hub.audit.models import AuditEntry
from tests.hub.actors import JURISDICTION, Actors
from tests.hub.demands import DOCUMENT_SHA256
from tests.hub.shares import scene
from tests.hub.web.browsers import HTML, browser
from tests.hub.web.isolated import own_app, own_database_url, own_settings  # noqa: F401
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
    hint = message(again, f"hint-member-{agency_id}")
    assert hint.startswith("Only you add members. First confirm at desk@agency.example,")
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


def _demand_form(home_id: uuid.UUID, /, **changes: str) -> dict[str, str]:
    """The record form as a browser posts it: datetime-local times, read as UTC."""
    form = {
        "authority": "Multnomah County Circuit Court",
        "kind": "subpoena",
        "reference": "CR-2026-0042",
        "document_sha256": DOCUMENT_SHA256.upper(),
        "home_id": str(home_id),
        "camera_id": "",
        "window_start": "2026-11-20T18:00",
        "window_end": "2026-11-20T20:00",
        "notice_delayed_until": "",
        "notes": "served in person at the front desk",
    }
    return form | changes


async def test_recording_a_demand_tells_the_owners_now_or_when_the_delay_ends(
    app: FastAPI, actors: Actors, client: AsyncClient
) -> None:
    admin = actors.user(Role.ADMIN)
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    until = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=30)
    async with browser(app, admin) as page:
        now = await page.post_form("/admin/demands", _demand_form(home_id))
        told = (await page.get(now.headers["location"])).text
        owners_now = (await client.get("/v1/me/demands", headers=owner.headers)).json()
        delayed = await page.post_form(
            "/admin/demands",
            _demand_form(
                home_id,
                reference="CR-2026-0043",
                notice_delayed_until=until.strftime("%Y-%m-%dT%H:%M"),
            ),
        )
        waiting = (await page.get(delayed.headers["location"])).text
    assert now.status_code == 303 and now.headers["location"].startswith(
        "/admin/demands?done=recorded#demand-"
    )
    assert "Demand recorded. Its home&#39;s owners were notified now." in told
    [seen] = owners_now["data"]
    assert seen["reference"] == "CR-2026-0042" and seen["kind"] == "subpoena"
    assert seen["window_start"].startswith("2026-11-20T18:00:00") and seen["window_end"].startswith(
        "2026-11-20T20:00:00"
    )
    assert seen["document_sha256"] == DOCUMENT_SHA256  # stored in lower case, as the API does
    assert delayed.status_code == 303 and "done=delayed" in delayed.headers["location"]
    assert "see the notice only when the court-ordered delay ends" in waiting
    row = re.search(r"<td>CR-2026-0043</td>(.*?)</tr>", waiting, re.S)
    assert row is not None
    assert (
        f'until <time datetime="{until.isoformat()}">' in row[1] and "owners see it then" in row[1]
    )
    assert '<td class="number">0 of 1</td>' in row[1]
    row = re.search(r"<td>CR-2026-0042</td>(.*?)</tr>", waiting, re.S)
    assert row is not None and "at once, <time" in row[1]
    assert '<td class="number">1 of 1</td>' in row[1]
    still = (await client.get("/v1/me/demands", headers=owner.headers)).json()
    assert [item["reference"] for item in still["data"]] == ["CR-2026-0042"]
    recorded = _entries(actors, "demand.recorded")
    assert len(recorded) == 2
    assert {entry["actor"]["name"] for entry in recorded} == {admin.email.split("@")[0]}


async def test_a_refused_demand_names_the_field_keeps_the_form_and_writes_nothing(
    app: FastAPI, actors: Actors
) -> None:
    admin = actors.user(Role.ADMIN)
    home_id, _ = actors.home(actors.resident())
    past = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refusals = {
        "document_sha256": (
            {"document_sha256": "not a hash"},
            "document_sha256: the document's SHA-256, 64 hex digits",
        ),
        "home_id": (
            {"home_id": str(uuid.UUID(int=7))},
            f"home_id: there is no home {uuid.UUID(int=7)}",
        ),
        "window_end": ({"window_end": "2026-11-20T17:00"}, "must be after window_start"),
        "notice_delayed_until": ({"notice_delayed_until": past}, "must be in the future"),
        "window_start": ({"window_start": ""}, "window_start: a date and time (UTC)"),
        "kind": ({"kind": "hunch"}, "kind: one of warrant, subpoena, court order or other"),
    }
    answers = {}
    async with browser(app, admin) as page:
        for field, (change, _) in refusals.items():
            answers[field] = await page.post_form("/admin/demands", _demand_form(home_id, **change))
        # A valid form without the CSRF token, or from another site, is refused as well.
        no_token = await page.http.post("/admin/demands", data=_demand_form(home_id), headers=HTML)
        cross_site = await page.http.post(
            "/admin/demands",
            data=_demand_form(home_id, csrf_token=page.csrf),
            headers=HTML | {"Origin": "https://elsewhere.example"},
        )
    assert no_token.status_code == 403 and cross_site.status_code == 403
    for field, (_, expected) in refusals.items():
        answer = answers[field]
        assert answer.status_code == 422, field
        assert expected in message(answer.text, f"error-{field}"), field
        assert f'id="demand-{field}"' in answer.text
        assert 'value="CR-2026-0042"' in answer.text, field  # what was typed is kept
        assert ">served in person at the front desk</textarea>" in answer.text, field
        assert "Not recorded: check the fields marked in" in answer.text, field
    assert 'value="not a hash"' in answers["document_sha256"].text
    assert 'value="2026-11-20T17:00"' in answers["window_end"].text
    assert _entries(actors, "demand.recorded") == []


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
