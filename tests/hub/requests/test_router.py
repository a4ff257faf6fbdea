"""Filing requests over HTTP: limits named in 422s, the budget, emergencies, flags, suspension."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from httpx import AsyncClient

from doorstep.hub.accounts.models import Role
from doorstep.hub.requests.preferences import Preferences
from tests.hub.actors import Actors
from tests.hub.shares import scene


async def test_a_request_over_a_limit_is_refused_naming_the_limit_and_value(
    actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    moment = scene.now()
    for changes, field, value in (
        (
            {"location": {"circle": {"latitude": 45.5, "longitude": -122.6, "radius_m": 450}}},
            "location",
            "km²",
        ),
        ({"window_start": (moment - timedelta(hours=13)).isoformat()}, "window", "12 h 59 min"),
        ({"category": "protest"}, "category", "protest"),
        ({"attests_purpose": False}, "attests_purpose", "attest"),
        ({"retention_days": 181}, "retention_days", "181"),
    ):
        response = await client.post(
            "/v1/agency/requests", json=scene.request_body(**changes), headers=agency.member.headers
        )
        assert response.status_code == 422, (changes, response.text)
        detail = response.json()["detail"]
        assert detail.startswith(field) and value in detail, detail
    assert (await client.get("/v1/requests")).json()["total"] == 0


async def test_tiling_a_neighbourhood_under_one_code_is_stopped_by_the_budget(
    actors: Actors, client: AsyncClient
) -> None:
    """Four 0.5 km² tiles would cover 2 km²; the code's 1 km² budget stops the third."""
    agency = await scene.agency(actors, client)
    radius = 398.9  # about 0.5 km²
    accepted = []
    for step in range(4):
        circle = {"latitude": 45.5 + step * 0.008, "longitude": -122.6, "radius_m": radius}
        response = await client.post(
            "/v1/agency/requests",
            json=scene.request_body(location={"circle": circle}),
            headers=agency.member.headers,
        )
        if response.status_code == 201:
            accepted.append(response.json()["area_m2"])
        else:
            assert response.status_code == 422
            assert response.json()["detail"].startswith("investigation_code")
    assert len(accepted) == 2 and sum(accepted) <= 1_000_000


async def test_an_emergency_reaches_owners_in_quiet_hours_and_a_routine_request_waits(
    actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    home = await scene.home_with_clip(actors, client)
    hour = datetime.now(UTC).hour
    quiet = {
        "quiet_start": f"{hour:02d}:00",
        "quiet_end": f"{(hour + 2) % 24:02d}:00",
        "time_zone": "UTC",
    }
    saved = await client.put(
        f"/v1/homes/{home.home_id}/request-settings", json=quiet, headers=home.owner.headers
    )
    assert saved.status_code == 200, saved.text
    await scene.file_request(client, agency, investigation_code="ROUTINE-1")
    await scene.file_request(
        client,
        agency,
        investigation_code="URGENT-1",
        emergency=True,
        emergency_reason="A child is missing and was last seen on this block ten minutes ago.",
    )
    notes = (await client.get("/v1/me/notifications", headers=home.owner.headers)).json()["data"]
    assert [(note["kind"], note["urgent"]) for note in notes] == [("urgent_request", True)]
    inbox = (await client.get("/v1/inbox", headers=home.owner.headers)).json()["data"]
    assert sorted(entry["urgent"] for entry in inbox) == [False, True]


def test_quiet_hours_end_when_the_owner_said() -> None:
    preferences = Preferences(quiet_start_minute=22 * 60, quiet_end_minute=7 * 60)
    night = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
    assert preferences.quiet_until(night, emergency=False) == datetime(
        2026, 11, 25, 7, 0, tzinfo=UTC
    )
    assert preferences.quiet_until(night, emergency=True) is None
    assert preferences.quiet_until(night.replace(hour=12), emergency=False) is None


async def test_a_flagged_request_withdrawn_after_review_is_marked_so_in_the_log(
    actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    request = await scene.file_request(client, agency)
    resident, admin = actors.resident(), actors.user(Role.ADMIN)
    flagged = await client.post(
        f"/v1/requests/{request['id']}/flags",
        json={"reason": "The details describe a march, not a burglary."},
        headers=resident.headers,
    )
    assert flagged.status_code == 201, flagged.text
    again = await client.post(
        f"/v1/requests/{request['id']}/flags",
        json={"reason": "The details describe a march, not a burglary."},
        headers=resident.headers,
    )
    assert again.status_code == 409
    [flag] = (await client.get("/v1/admin/flags", headers=admin.headers)).json()["data"]
    reviewed = await client.post(
        f"/v1/admin/flags/{flag['id']}/review",
        json={"withdraw": True, "note": "Aimed at a lawful assembly."},
        headers=admin.headers,
    )
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "upheld"
    logged = (await client.get(f"/v1/requests/{request['id']}")).json()
    assert logged["status"] == "withdrawn_after_review"

    agency_id = (await client.get("/v1/agency", headers=agency.member.headers)).json()["id"]
    suspended = await client.post(
        f"/v1/admin/agencies/{agency_id}/suspend",
        json={"reason": "Filed a request aimed at a protest."},
        headers=admin.headers,
    )
    assert suspended.status_code == 200
    refused = await client.post(
        "/v1/agency/requests",
        json=scene.request_body(investigation_code="NEW-1"),
        headers=agency.member.headers,
    )
    assert refused.status_code == 403
    listed = (await client.get("/v1/agencies")).json()["data"]
    assert [a["suspended"] for a in listed if a["requests_in_period"] == 1] == [True]
