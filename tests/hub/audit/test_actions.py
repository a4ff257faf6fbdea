"""Each security-relevant action, done through the API, appends exactly its entry.

Admins appear by name, agency members by name and agency, residents, homes, devices
and cameras only as pseudonyms; secrets appear nowhere, and a refused action appends
nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from httpx import AsyncClient
from sqlalchemy import select

from doorstep.crypto.keys import public_raw
from doorstep.hub.accounts.models import Role
from doorstep.hub.audit.models import AuditEntry
from doorstep.hub.audit.service import pseudonymous, tree_size
from doorstep.hub.state import HubState
from tests.hub.actors import JURISDICTION, PASSWORD, Actor, Actors
from tests.hub.clips.uploads import upload_clip
from tests.hub.devices.pairing import CODE_BODY, pair_body

Entry = tuple[dict[str, Any], dict[str, Any] | None]


@dataclass
class Log:
    """Reads what the log gained since the last look, as (public form less its time, private)."""

    hub: HubState
    seen: int = 0

    def pseudonym(self, kind: str, value: object) -> str:
        with self.hub.sessions() as session:
            return pseudonymous(session, kind, value)

    def resident(self, actor: Actor) -> dict[str, str]:
        return {"kind": "resident", "pseudonym": self.pseudonym("user", actor.user_id)}

    def skip(self) -> None:
        with self.hub.sessions() as session:
            self.seen = tree_size(session)

    def appended(self, *, hidden: Sequence[object] = (), secret: Sequence[str] = ()) -> list[Entry]:
        """New entries; none shows ``hidden`` publicly, nor ``secret`` anywhere."""
        with self.hub.sessions() as session:
            rows = list(
                session.scalars(
                    select(AuditEntry)
                    .where(AuditEntry.index >= self.seen)
                    .order_by(AuditEntry.index)
                )
            )
        self.seen += len(rows)
        found: list[Entry] = []
        for row in rows:
            for value in [*hidden, *secret]:
                assert str(value).encode() not in row.public, f"{value} in {row.public!r}"
            for value in secret:
                assert value not in (row.private or ""), f"{value} in {row.private}"
            public = json.loads(row.public)
            assert public.pop("at")
            found.append((public, json.loads(row.private) if row.private else None))
        return found


@pytest.fixture
def log(hub: HubState) -> Log:
    return Log(hub)


def admin_actor(admin: Actor) -> dict[str, str]:
    return {"kind": "admin", "name": admin.email.split("@")[0]}


def device_key() -> str:
    return base64.b64encode(public_raw(Ed25519PrivateKey.generate().public_key())).decode()


async def test_admin_creates_verifies_and_staffs_an_agency(
    client: AsyncClient, actors: Actors, log: Log
) -> None:
    admin = actors.user(Role.ADMIN)
    log.skip()
    body = {
        "name": "Eastside Fire",
        "kind": "fire",
        "contact_email": "desk@fire.example",
        "jurisdiction": JURISDICTION,
    }
    agency = (await client.post("/v1/admin/agencies", json=body, headers=admin.headers)).json()
    for _ in range(2):  # verifying again changes nothing
        await client.post(f"/v1/admin/agencies/{agency['id']}/verify", headers=admin.headers)
    created = await client.post(
        f"/v1/admin/agencies/{agency['id']}/members",
        json={"email": "chief@fire.example", "display_name": "Chief Ada"},
        headers=admin.headers,
    )
    password = created.json()["one_time_password"]
    named = {"agency_id": agency["id"], "agency": "Eastside Fire"}
    by_admin = admin_actor(admin)
    assert log.appended(hidden=["chief@fire.example"], secret=[password]) == [
        (
            {"action": "agency.created", "actor": by_admin, "objects": {**named, "kind": "fire"}},
            None,
        ),
        ({"action": "agency.verified", "actor": by_admin, "objects": named}, None),
        (
            {
                "action": "agency.member_added",
                "actor": by_admin,
                "objects": {
                    **named,
                    "member": "Chief Ada",
                    "member_id": created.json()["user"]["id"],
                },
            },
            None,
        ),
    ]
    duplicate = await client.post("/v1/admin/agencies", json=body, headers=admin.headers)
    unknown = await client.post(
        f"/v1/admin/agencies/{uuid.uuid4()}/members",
        json={"email": "x@fire.example", "display_name": "X"},
        headers=admin.headers,
    )
    assert (duplicate.status_code, unknown.status_code) == (409, 404)
    assert log.appended() == []


async def test_unlock_names_the_account_as_its_failed_sign_ins_do(
    client: AsyncClient, actors: Actors, log: Log
) -> None:
    resident, admin = actors.resident(), actors.user(Role.ADMIN)
    log.skip()
    await client.post("/v1/auth/login", json={"email": resident.email, "password": "x" * 16})
    [(failed, _)] = log.appended()
    assert failed["action"] == "auth.sign_in_failed"
    unlocked = await client.post(
        f"/v1/admin/users/{resident.user_id}/unlock", headers=admin.headers
    )
    assert unlocked.status_code == 204
    assert log.appended(hidden=[resident.email, resident.user_id]) == [
        (
            {
                "action": "account.unlocked",
                "actor": admin_actor(admin),
                "objects": {"account": failed["objects"]["account"]},
            },
            {"user_id": str(resident.user_id)},
        )
    ]
    unknown = await client.post(f"/v1/admin/users/{uuid.uuid4()}/unlock", headers=admin.headers)
    assert unknown.status_code == 404
    assert log.appended() == []


async def test_an_admin_reading_every_account_is_on_the_record(
    client: AsyncClient, actors: Actors, log: Log
) -> None:
    resident, admin = actors.resident(), actors.user(Role.ADMIN)
    log.skip()
    listed = await client.get("/v1/admin/users", headers=admin.headers)
    assert listed.json()["count"] == 2
    assert log.appended(hidden=[resident.email, resident.user_id]) == [
        ({"action": "accounts.listed", "actor": admin_actor(admin), "objects": {"count": 2}}, None)
    ]


async def test_personal_tokens_made_and_revoked(
    client: AsyncClient, actors: Actors, log: Log
) -> None:
    resident, member = actors.resident(), actors.user(Role.AGENCY_MEMBER)
    agency = (await client.get("/v1/agency", headers=member.headers)).json()["name"]
    log.skip()
    mine = await client.post(
        "/v1/auth/tokens", json={"name": "Ada's laptop"}, headers=resident.headers
    )
    revoked = await client.delete(f"/v1/auth/tokens/{mine.json()['id']}", headers=resident.headers)
    assert revoked.status_code == 204
    theirs = await client.post("/v1/auth/tokens", json={"name": "desk"}, headers=member.headers)
    token_id = {"token_id": mine.json()["id"]}
    assert log.appended(
        hidden=[resident.email, resident.user_id, "Ada's laptop"],
        secret=[mine.json()["token"], theirs.json()["token"]],
    ) == [
        (
            {"action": "auth.token_created", "actor": log.resident(resident), "objects": token_id},
            {"name": "Ada's laptop"},
        ),
        (
            {"action": "auth.token_revoked", "actor": log.resident(resident), "objects": token_id},
            {"name": "Ada's laptop"},
        ),
        (
            {
                "action": "auth.token_created",
                "actor": {
                    "kind": "agency_member",
                    "name": member.email.split("@")[0],
                    "agency": agency,
                },
                "objects": {"token_id": theirs.json()["id"]},
            },
            {"name": "desk"},
        ),
    ]
    for row in (mine.json(), theirs.json()):  # revoked already; not the resident's
        refused = await client.delete(f"/v1/auth/tokens/{row['id']}", headers=resident.headers)
        assert refused.status_code == 404
    assert log.appended() == []


async def test_password_change(client: AsyncClient, actors: Actors, log: Log) -> None:
    resident = actors.resident()
    log.skip()
    wrong = await client.post(
        "/v1/me/password",
        json={"current_password": PASSWORD + "!", "new_password": "a new long password"},
        headers=resident.headers,
    )
    assert wrong.status_code == 401  # a guess, on the record like a failed sign-in
    assert log.appended(secret=[PASSWORD + "!"]) == [
        (
            {
                "action": "auth.password_change_failed",
                "actor": log.resident(resident),
                "objects": {},
            },
            {"address": "198.51.100.7"},
        )
    ]
    short = await client.post(
        "/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers=resident.headers,
    )
    assert short.status_code == 422
    assert log.appended() == []
    changed = await client.post(
        "/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "a new long password"},
        headers=resident.headers,
    )
    assert changed.status_code == 204
    assert log.appended(secret=[PASSWORD, "a new long password"]) == [
        ({"action": "auth.password_changed", "actor": log.resident(resident), "objects": {}}, None)
    ]


async def test_pairing_and_revoking_a_device(client: AsyncClient, actors: Actors, log: Log) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    log.skip()
    code = (
        await client.post(
            f"/v1/homes/{home_id}/pairing-codes", json=CODE_BODY, headers=owner.headers
        )
    ).json()
    secret = [code["code"], code["code"].replace("-", "")]
    home = log.pseudonym("home", home_id)
    by_owner = log.resident(owner)
    assert log.appended(hidden=[home_id, owner.email, owner.user_id], secret=secret) == [
        (
            {"action": "device.pairing_code_issued", "actor": by_owner, "objects": {"home": home}},
            {"home_id": str(home_id)},
        )
    ]
    key = device_key()
    wrong = await client.post("/v1/devices/pair", json=pair_body("AAAAA-AAAAA", "edge", key))
    assert wrong.status_code == 422  # a guess at a code, on the record
    assert log.appended(secret=["AAAAA-AAAAA", "AAAAAAAAAA"]) == [
        (
            {
                "action": "device.pairing_failed",
                "actor": {"kind": "anonymous"},
                "objects": {"reason": "unknown code"},
            },
            {"address": "198.51.100.7"},
        )
    ]
    paired = await client.post("/v1/devices/pair", json=pair_body(code["code"], "Garage box", key))
    device_id = paired.json()["device"]["id"]
    for _ in range(2):  # revoking again changes nothing
        await client.delete(f"/v1/devices/{device_id}", headers=owner.headers)
    about = {"home": home, "device": log.pseudonym("device", uuid.UUID(device_id))}
    private = {"home_id": str(home_id), "device_id": device_id}
    # The pairing binds the device's public label (docs/audit.md) to its key's id.
    label = f"doorstep key label v1\0device:{device_id}"
    bound = {
        **about,
        "label": hashlib.sha256(label.encode()).hexdigest()[:32],
        "key_id": hashlib.sha256(base64.b64decode(key)).hexdigest()[:32],
    }
    assert log.appended(
        hidden=[home_id, device_id, owner.email, owner.user_id, key, "Garage box"],
        secret=[*secret, paired.json()["token"]],
    ) == [
        ({"action": "device.paired", "actor": by_owner, "objects": bound}, private),
        ({"action": "device.revoked", "actor": by_owner, "objects": about}, private),
    ]


async def test_adding_a_household_member(client: AsyncClient, actors: Actors, log: Log) -> None:
    owner, member = actors.resident(), actors.resident()
    home_id, _ = actors.home(owner)
    log.skip()
    path = f"/v1/homes/{home_id}/members"
    added = await client.post(path, json={"email": member.email}, headers=owner.headers)
    assert added.status_code == 201
    assert log.appended(hidden=[home_id, member.email, member.user_id]) == [
        (
            {
                "action": "home.member_added",
                "actor": log.resident(owner),
                "objects": {
                    "home": log.pseudonym("home", home_id),
                    "member": log.resident(member)["pseudonym"],
                },
            },
            {"home_id": str(home_id), "user_id": str(member.user_id)},
        )
    ]
    for email, status in ((member.email, 409), ("nobody@doorstep.example", 404)):
        refused = await client.post(path, json={"email": email}, headers=owner.headers)
        assert refused.status_code == status
    assert log.appended() == []


async def test_deleting_a_camera_or_a_home_counts_the_footage_it_shreds(
    client: AsyncClient, actors: Actors, log: Log
) -> None:
    owner, stranger = actors.resident(), actors.resident()
    home_id, camera_ids = actors.home(owner, cameras=2)
    device = actors.device(owner, home_id)
    for camera_id in (camera_ids[0], camera_ids[0], camera_ids[1]):
        await upload_clip(client, device, camera_id)
    log.skip()
    for path in (f"/v1/cameras/{camera_ids[0]}", f"/v1/homes/{home_id}"):
        assert (await client.delete(path, headers=stranger.headers)).status_code == 404
    assert log.appended() == []
    await client.delete(f"/v1/cameras/{camera_ids[0]}", headers=owner.headers)
    await client.delete(f"/v1/homes/{home_id}", headers=owner.headers)
    home = log.pseudonym("home", home_id)
    assert log.appended(hidden=[home_id, *camera_ids, owner.email, owner.user_id]) == [
        (
            {
                "action": "camera.deleted",
                "actor": log.resident(owner),
                "objects": {
                    "home": home,
                    "camera": log.pseudonym("camera", camera_ids[0]),
                    "clips": 2,
                },
            },
            {"home_id": str(home_id), "camera_id": str(camera_ids[0])},
        ),
        (
            {
                "action": "home.deleted",
                "actor": log.resident(owner),
                "objects": {"home": home, "clips": 1},
            },
            {"home_id": str(home_id)},
        ),
    ]
