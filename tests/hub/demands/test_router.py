"""Legal demands over HTTP: recorded by admins, served as ciphertext, seen by owners."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select

from doorstep.audit.actions import DEMAND_OWNER_NOTIFIED, DEMAND_RECORDED, DEMAND_SERVED
from doorstep.evidence.verify import verify_package
from doorstep.hub.accounts.models import Role
from doorstep.hub.audit.checkpoints import log_key
from doorstep.hub.audit.models import AuditEntry
from doorstep.hub.clips.models import ClipPart
from doorstep.hub.demands.service import DEMAND_PACKAGE_DOWNLOADED
from doorstep.hub.state import HubState
from tests.hub.actors import Actor, Actors
from tests.hub.clips.uploads import PARTS, upload_clip
from tests.hub.demands import DOCUMENT_SHA256, demand_body, two_hours_ago


def at(start: datetime, minutes: float, seconds: int = 14) -> tuple[datetime, datetime]:
    began = start + timedelta(minutes=minutes)
    return began, began + timedelta(seconds=seconds)


async def record(client: AsyncClient, admin: Actor, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/v1/admin/demands", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_owner_is_notified_at_once_and_sees_the_demand(
    client: AsyncClient, actors: Actors
) -> None:
    owner, member, stranger = actors.resident(), actors.resident(), actors.resident()
    admin = actors.user(Role.ADMIN)
    home_id, (camera_id,) = actors.home(owner)
    actors.home(stranger)
    await client.post(
        f"/v1/homes/{home_id}/members", json={"email": member.email}, headers=owner.headers
    )
    start = two_hours_ago()
    body = demand_body(home_id, start=start, end=start + timedelta(hours=1), camera_id=camera_id)
    created = await record(client, admin, body)
    assert created["document_sha256"] == DOCUMENT_SHA256 and created["served_at"] is None
    assert [n["user_id"] for n in created["notices"]] == [str(owner.user_id)]
    assert created["notices"][0]["notified_at"] is not None

    notes = (await client.get("/v1/me/notifications", headers=owner.headers)).json()["data"]
    (note,) = [n for n in notes if n["kind"] == "legal_demand"]
    assert note["urgent"] and note["subject_id"] == created["id"]
    for words in ("Multnomah County Circuit Court", "warrant", "CR-2026-0042", "Camera 0"):
        assert words in note["message"]
    assert "encrypted" in note["message"] and "can't decrypt" in note["message"]
    mine = (await client.get("/v1/me/demands", headers=owner.headers)).json()
    assert mine["count"] == 1
    assert mine["data"][0]["id"] == created["id"] and mine["data"][0]["handed_over"] == []
    assert "notes" not in mine["data"][0]
    for other in (member, stranger):
        listed = await client.get("/v1/me/demands", headers=other.headers)
        assert listed.json() == {"data": [], "count": 0}
        notes = (await client.get("/v1/me/notifications", headers=other.headers)).json()
        assert all(n["kind"] != "legal_demand" for n in notes["data"])

    got = await client.get(f"/v1/admin/demands/{created['id']}", headers=admin.headers)
    assert got.json() == created
    listed = await client.get("/v1/admin/demands", headers=admin.headers)
    assert listed.json() == {"data": [created], "count": 1}


async def test_delayed_notice_is_not_shown_yet(client: AsyncClient, actors: Actors) -> None:
    owner, admin = actors.resident(), actors.user(Role.ADMIN)
    home_id, _ = actors.home(owner)
    start = two_hours_ago()
    until = datetime.now(UTC) + timedelta(days=90)
    body = demand_body(home_id, start=start, end=start + timedelta(hours=1), delayed_until=until)
    created = await record(client, admin, body)
    assert created["notices"][0]["notified_at"] is None
    assert datetime.fromisoformat(created["notices"][0]["notify_at"]) == until
    listed = await client.get("/v1/me/demands", headers=owner.headers)
    assert listed.json()["count"] == 0
    notes = (await client.get("/v1/me/notifications", headers=owner.headers)).json()
    assert notes["count"] == 0


async def test_package_holds_exactly_the_clips_in_scope_as_stored_and_verifies(
    client: AsyncClient, actors: Actors, hub: HubState, tmp_path: Any
) -> None:
    owner, neighbour = actors.resident(email="owner@doorstep.example"), actors.resident()
    admin = actors.user(Role.ADMIN)
    home_id, (named, other) = actors.home(owner, cameras=2)
    neighbour_home, (neighbour_camera,) = actors.home(neighbour)
    device = actors.device(owner, home_id)
    start = two_hours_ago()
    end = start + timedelta(hours=1)
    inside = await upload_clip(client, device, named, times=at(start, 10))
    straddling = await upload_clip(client, device, named, times=at(start, -0.1))
    await upload_clip(client, device, named, times=at(start, 75))
    await upload_clip(client, device, other, times=at(start, 20))
    await upload_clip(client, actors.device(neighbour, neighbour_home), neighbour_camera)
    body = demand_body(home_id, start=start, end=end, camera_id=named)
    demand_id = (await record(client, admin, body))["id"]

    first = await client.get(f"/v1/admin/demands/{demand_id}/package", headers=admin.headers)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "application/zip"
    path = tmp_path / "demand.zip"
    path.write_bytes(first.content)
    report = verify_package(path)
    pinned = verify_package(path, hub_key=log_key(hub.secret_key, hub.settings.audit_origin))
    assert pinned.hub_key_pinned and report.kind == "demand"
    assert report.terms is None and report.recipient_key_id is None
    assert report.subject["demand_id"] == demand_id
    assert report.subject["scope"]["camera_id"] == str(named)
    assert {clip.clip_id for clip in report.clips} == {inside, straddling}
    with zipfile.ZipFile(io.BytesIO(first.content)) as archive:
        names = set(archive.namelist())
        assert "keys.json" not in names and "terms.json" not in names
        sealed = {name for name in names if name.endswith(".sealed")}
        assert sealed == {f"clips/{c}/{p}.sealed" for c in (inside, straddling) for p in PARTS}
        for clip_id in (inside, straddling):
            for part in PARTS:
                stored = await client.get(
                    f"/v1/clips/{clip_id}/parts/{part}", headers=owner.headers
                )
                assert archive.read(f"clips/{clip_id}/{part}.sealed") == stored.content
    actions = [entry["action"] for entry in report.custody.entries]
    assert actions == [
        DEMAND_RECORDED,
        DEMAND_OWNER_NOTIFIED,
        DEMAND_SERVED,
        DEMAND_PACKAGE_DOWNLOADED,
    ]

    demand = (await client.get(f"/v1/admin/demands/{demand_id}", headers=admin.headers)).json()
    again = await client.get(f"/v1/admin/demands/{demand_id}/package", headers=admin.headers)
    assert again.status_code == 200
    later = (await client.get(f"/v1/admin/demands/{demand_id}", headers=admin.headers)).json()
    assert later["served_at"] == demand["served_at"] is not None
    mine = (await client.get("/v1/me/demands", headers=owner.headers)).json()["data"][0]
    assert set(mine["handed_over"]) == {str(inside), str(straddling)}
    assert mine["served_at"] == demand["served_at"]

    with hub.sessions() as session:
        logged = session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("demand.%")).order_by(AuditEntry.index)
        ).all()
        blob_keys = session.scalars(select(ClipPart.blob_key)).all()
    assert [entry.action for entry in logged] == [*actions, DEMAND_PACKAGE_DOWNLOADED]
    recorded = json.loads(logged[0].public)
    assert recorded["actor"] == {"kind": "admin", "name": admin.email.split("@")[0]}
    assert recorded["objects"]["authority"] == "Multnomah County Circuit Court"
    assert recorded["objects"]["kind"] == "warrant" and recorded["objects"]["home"]
    assert json.loads(logged[1].public)["actor"] == {"kind": "system"}
    assert json.loads(logged[-1].public)["objects"] == {"demand_id": demand_id, "clips": 2}
    secrets = [str(home_id), str(named), owner.email, str(owner.user_id), "CR-2026-0042"]
    secrets += ["served in person", DOCUMENT_SHA256, *blob_keys]
    for entry in logged:
        public = entry.public.decode()
        assert not [secret for secret in secrets if secret in public], public


async def test_a_demand_with_nothing_in_scope_is_not_served(
    client: AsyncClient, actors: Actors, hub: HubState
) -> None:
    owner, admin = actors.resident(), actors.user(Role.ADMIN)
    home_id, _ = actors.home(owner)
    start = two_hours_ago()
    created = await record(
        client, admin, demand_body(home_id, start=start, end=start + timedelta(hours=1))
    )
    before = actors.row_counts()
    response = await client.get(f"/v1/admin/demands/{created['id']}/package", headers=admin.headers)
    assert response.status_code == 409 and "nothing to hand over" in response.json()["detail"]
    assert actors.row_counts() == before
    missing = await client.get(f"/v1/admin/demands/{uuid.uuid4()}/package", headers=admin.headers)
    assert missing.status_code == 404


async def test_bad_input_is_refused_naming_the_field(client: AsyncClient, actors: Actors) -> None:
    owner, neighbour, admin = actors.resident(), actors.resident(), actors.user(Role.ADMIN)
    home_id, _ = actors.home(owner)
    _, (neighbour_camera,) = actors.home(neighbour)
    start = two_hours_ago()
    end = start + timedelta(hours=1)
    naive = (start.replace(tzinfo=None)).isoformat()
    cases: list[tuple[dict[str, Any], str]] = [
        (demand_body(uuid.uuid4(), start=start, end=end), "home_id"),
        (demand_body(home_id, start=start, end=end, camera_id=neighbour_camera), "camera_id"),
        (demand_body(home_id, start=end, end=start), "window_end"),
        (demand_body(home_id, start=start, end=start), "window_end"),
        (demand_body(home_id, start=start, end=end, delayed_until=start), "notice_delayed_until"),
        (demand_body(home_id, start=start, end=end, document_sha256="ab" * 31), "document_sha256"),
        (demand_body(home_id, start=start, end=end, document_sha256="zz" * 32), "document_sha256"),
        (demand_body(home_id, start=start, end=end, window_start=naive), "window_start"),
        (demand_body(home_id, start=start, end=end, kind="wiretap"), "kind"),
        (demand_body(home_id, start=start, end=end, authority=""), "authority"),
    ]
    before = actors.row_counts()
    for body, field in cases:
        response = await client.post("/v1/admin/demands", json=body, headers=admin.headers)
        assert response.status_code == 422, (field, response.text)
        assert field in response.json()["detail"], (field, response.text)
    assert actors.row_counts() == before


async def test_only_admins_reach_the_admin_routes_and_only_residents_their_own(
    client: AsyncClient, actors: Actors
) -> None:
    owner, admin = actors.resident(), actors.user(Role.ADMIN)
    home_id, (camera_id,) = actors.home(owner)
    device = actors.device(owner, home_id)
    start = two_hours_ago()
    await upload_clip(client, device, camera_id, times=at(start, 10))
    body = demand_body(home_id, start=start, end=start + timedelta(hours=1))
    demand_id = (await record(client, admin, body))["id"]
    callers: dict[str, dict[str, str]] = {
        "anonymous": {},
        "resident": owner.headers,
        "agency_member": actors.user(Role.AGENCY_MEMBER).headers,
        "device": dict(device),
        "admin": admin.headers,
    }
    admin_only = [
        ("POST", "/v1/admin/demands", body),
        ("GET", "/v1/admin/demands", None),
        ("GET", f"/v1/admin/demands/{demand_id}", None),
        ("GET", f"/v1/admin/demands/{demand_id}/package", None),
    ]
    expected = {"anonymous": 401, "resident": 403, "agency_member": 403, "device": 403}
    for method, path, json_body in admin_only:
        for name, headers in callers.items():
            response = await client.request(method, path, json=json_body, headers=headers)
            want = expected.get(name, 201 if method == "POST" else 200)
            assert response.status_code == want, (name, method, path, response.text)
    expected = {"anonymous": 401, "resident": 200, "agency_member": 403, "device": 403}
    expected["admin"] = 403
    for name, headers in callers.items():
        response = await client.get("/v1/me/demands", headers=headers)
        assert response.status_code == expected[name], (name, response.text)
