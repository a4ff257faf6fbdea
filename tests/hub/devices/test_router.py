"""Pairing edge devices with one-time codes, their tokens, and revocation.

A code's hub part is the hub's; its secret part stays with the owner's client and the
edge, which send the hub only their tags: the owner's tag of its signing key with the
code, the device's tag of its key with the pairing. The edge reads the owner's tag
(``pairing-owner``) before it pairs.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from httpx import AsyncClient
from sqlalchemy import select, update

from doorstep.crypto.keys import public_raw
from doorstep.crypto.signing_keys import signing_key_of
from doorstep.hub.audit.models import AuditEntry
from doorstep.hub.db import transaction
from doorstep.hub.devices.models import EdgeDevice, PairingCode
from doorstep.hub.homes.models import HomeMember, HouseholdRole
from doorstep.hub.state import HubState
from tests.hub.actors import Actors
from tests.hub.devices.pairing import CODE_BODY, pair_body


def device_key() -> str:
    key = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(key).decode()


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


async def new_code(client: AsyncClient, headers: dict[str, str], home_id: object) -> str:
    issued = await client.post(
        f"/v1/homes/{home_id}/pairing-codes", json=CODE_BODY, headers=headers
    )
    assert issued.status_code == 201, issued.text
    code: str = issued.json()["code"]
    return code


async def test_pairing_flow(client: AsyncClient, actors: Actors, hub: HubState) -> None:
    owner = actors.resident()
    home_id, camera_ids = actors.home(owner, cameras=2)
    owner_tag, device_tag = os.urandom(32), os.urandom(32)
    issued = await client.post(
        f"/v1/homes/{home_id}/pairing-codes",
        json={"owner_tag": b64(owner_tag)},
        headers=owner.headers,
    )
    assert issued.status_code == 201
    code = issued.json()["code"]
    assert len(code) == 11 and code[5] == "-"
    with hub.sessions() as session:
        [stored] = session.execute(select(PairingCode.code_hash, PairingCode.owner_tag)).all()
    assert code.replace("-", "") not in stored.code_hash
    assert stored.owner_tag == owner_tag
    key = device_key()
    typed = code.lower().replace("-", " ")
    paired = await client.post(
        "/v1/devices/pair",
        json={
            "code": typed,
            "name": "Garage box",
            "public_key": key,
            "device_tag": b64(device_tag),
        },
    )
    assert paired.status_code == 201, paired.text
    served = paired.json()["device"]
    assert served["public_key"] == key
    # The owner's client finds the device by its code and checks its tag.
    assert served["pairing_code_id"] == issued.json()["id"]
    assert served["pairing_tag"] == b64(device_tag)
    device = {"Authorization": f"Bearer {paired.json()['token']}"}
    config = await client.get("/v1/device", headers=device)
    assert config.status_code == 200
    assert {c["id"] for c in config.json()["cameras"]} == {str(c) for c in camera_ids}
    listed = await client.get(f"/v1/homes/{home_id}/devices", headers=owner.headers)
    assert [(d["name"], d["pairing_tag"]) for d in listed.json()["data"]] == [
        ("Garage box", b64(device_tag))
    ]
    device_id = served["id"]
    revoked = await client.delete(f"/v1/devices/{device_id}", headers=owner.headers)
    assert revoked.status_code == 204
    assert (await client.get("/v1/device", headers=device)).status_code == 401
    listed = await client.get(f"/v1/homes/{home_id}/devices", headers=owner.headers)
    assert listed.json()["data"][0]["revoked_at"] is not None


async def test_the_device_row_points_at_its_pairing_entry(
    client: AsyncClient, actors: Actors, hub: HubState
) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    key = device_key()
    paired = await client.post(
        "/v1/devices/pair",
        json=pair_body(await new_code(client, owner.headers, home_id), "edge", key),
    )
    device_id = paired.json()["device"]["id"]
    with hub.sessions() as session:
        index = session.scalars(select(EdgeDevice.audit_index)).one()
        assert index is not None
        entry = json.loads(session.get_one(AuditEntry, index).public)
    label = f"doorstep key label v1\0device:{device_id}"
    assert entry["action"] == "device.paired"
    assert entry["objects"]["label"] == hashlib.sha256(label.encode()).hexdigest()[:32]
    assert entry["objects"]["key_id"] == hashlib.sha256(base64.b64decode(key)).hexdigest()[:32]


async def test_a_pairing_code_needs_the_owners_tag(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    before = actors.row_counts()
    for body in (
        {},
        {"owner_tag": b64(bytes(31))},
        {"owner_tag": b64(bytes(33))},
        {"owner_tag": "%%"},
    ):
        response = await client.post(
            f"/v1/homes/{home_id}/pairing-codes", json=body, headers=owner.headers
        )
        assert response.status_code == 422, body
        assert "owner_tag" in response.json()["detail"], body
    assert actors.row_counts() == before


async def test_pairing_needs_the_devices_tag(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    code = await new_code(client, owner.headers, home_id)
    before = actors.row_counts()
    for tag in (None, b64(bytes(31)), b64(bytes(33))):
        body = {"code": code, "name": "edge", "public_key": device_key()}
        response = await client.post(
            "/v1/devices/pair", json=body if tag is None else {**body, "device_tag": tag}
        )
        assert response.status_code == 422, tag
        assert "device_tag" in response.json()["detail"], tag
    assert actors.row_counts() == before  # and the code is still good:
    paired = await client.post("/v1/devices/pair", json=pair_body(code, "edge", device_key()))
    assert paired.status_code == 201


async def test_pairing_owner_names_the_code_s_home_owner_key_and_tag(
    client: AsyncClient, actors: Actors
) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    owner_key = public_raw(signing_key_of(actors.user_key(owner)).public_key())
    owner_tag = os.urandom(32)
    issued = await client.post(
        f"/v1/homes/{home_id}/pairing-codes",
        json={"owner_tag": b64(owner_tag)},
        headers=owner.headers,
    )
    code = issued.json()["code"]
    expected = {
        "home_id": str(home_id),
        "owner_user_id": str(owner.user_id),
        "owner_signing_key": b64(owner_key),
        "owner_tag": b64(owner_tag),
    }
    for typed in (code, code.lower().replace("-", "")):  # asking twice uses nothing up
        answer = await client.post("/v1/devices/pairing-owner", json={"code": typed})
        assert answer.status_code == 200, answer.text
        assert answer.json() == expected
    paired = await client.post("/v1/devices/pair", json=pair_body(code, "edge", device_key()))
    assert paired.status_code == 201
    used = await client.post("/v1/devices/pairing-owner", json={"code": code})
    assert used.status_code == 422
    assert used.json()["detail"].startswith("code:") and "used already" in used.json()["detail"]


async def test_pairing_owner_without_an_owner_key_is_a_conflict(
    client: AsyncClient, actors: Actors
) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    code = await new_code(client, owner.headers, home_id)
    answer = await client.post("/v1/devices/pairing-owner", json={"code": code})
    assert answer.status_code == 409
    assert answer.json()["detail"] == "the home's owner has no key yet"


async def test_a_key_pairs_only_once(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    key = device_key()
    for expected in (201, 409):
        code = await new_code(client, owner.headers, home_id)
        response = await client.post("/v1/devices/pair", json=pair_body(code, "edge", key))
        assert response.status_code == expected


async def test_racing_devices_get_one_pairing(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    code = await new_code(client, owner.headers, home_id)
    responses = await asyncio.gather(
        *(
            client.post("/v1/devices/pair", json=pair_body(code, f"edge {n}", device_key()))
            for n in range(4)
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 422, 422, 422]
    assert actors.row_counts()["edge_devices"] == 1


async def test_guessing_codes_is_rate_limited(client: AsyncClient, actors: Actors) -> None:
    statuses = []
    for n in range(32):
        response = await client.post(
            "/v1/devices/pair", json=pair_body(f"{n:05d}-AAAAA", "guess", device_key())
        )
        statuses.append(response.status_code)
    assert statuses[:30] == [422] * 30
    assert statuses[30:] == [429, 429]
    assert actors.row_counts()["edge_devices"] == 0


async def test_asking_for_a_code_s_owner_counts_as_a_guess(
    client: AsyncClient, actors: Actors
) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    actors.user_key(owner)
    code = await new_code(client, owner.headers, home_id)
    statuses = []
    for n in range(30):  # guesses at either route count together
        if n % 2:
            response = await client.post(
                "/v1/devices/pairing-owner", json={"code": f"{n:05d}-AAAAA"}
            )
        else:
            response = await client.post(
                "/v1/devices/pair", json=pair_body(f"{n:05d}-AAAAA", "guess", device_key())
            )
        statuses.append(response.status_code)
    assert statuses == [422] * 30
    before = actors.row_counts()
    # Limited now, even with the right code, and nothing counted or written.
    limited = await client.post("/v1/devices/pairing-owner", json={"code": code})
    assert limited.status_code == 429
    assert "too many failed attempts" in limited.json()["detail"]
    assert (
        await client.post("/v1/devices/pair", json=pair_body(code, "edge", device_key()))
    ).status_code == 429
    assert actors.row_counts() == before


async def test_devices_cannot_use_people_routes(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    code = await new_code(client, owner.headers, home_id)
    paired = await client.post("/v1/devices/pair", json=pair_body(code, "edge", device_key()))
    device = {"Authorization": f"Bearer {paired.json()['token']}"}
    assert (await client.get("/v1/me", headers=device)).status_code == 403
    assert (await client.get("/v1/cameras", headers=device)).status_code == 403


async def test_devices_report_camera_health(client: AsyncClient, actors: Actors) -> None:
    owner, neighbour = actors.resident(), actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    _, (other_camera,) = actors.home(neighbour)
    device = actors.device(owner, home_id)
    before = await client.get(f"/v1/cameras/{camera_id}", headers=owner.headers)
    assert before.json()["health"] is None
    report = {
        "connected": True,
        "fps": 14.8,
        "last_frame_at": "2026-11-24T08:00:00Z",
        "errors": 2,
    }
    response = await client.put(
        f"/v1/device/cameras/{camera_id}/health", json=report, headers=device
    )
    assert response.status_code == 200
    health = (await client.get(f"/v1/cameras/{camera_id}", headers=owner.headers)).json()["health"]
    assert health["connected"] is True and health["fps"] == 14.8 and health["errors"] == 2
    assert health["last_frame_at"] == "2026-11-24T08:00:00Z"
    assert health["key_alarm"] is None
    foreign = await client.put(
        f"/v1/device/cameras/{other_camera}/health", json=report, headers=device
    )
    assert foreign.status_code == 404
    neighbours = await client.get(f"/v1/cameras/{other_camera}", headers=neighbour.headers)
    assert neighbours.json()["health"] is None


async def test_a_key_alarm_shows_in_camera_health_while_it_lasts(
    client: AsyncClient, actors: Actors
) -> None:
    owner = actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    device = actors.device(owner, home_id)
    report = {"connected": True, "fps": 10.0, "last_frame_at": None, "errors": 0}
    alarm = "KEY ALARM: the hub serves home key list version 3 after version 4: rollback"
    path = f"/v1/device/cameras/{camera_id}/health"
    seen = []
    for key_alarm in (alarm, None):
        sent = await client.put(path, json={**report, "key_alarm": key_alarm}, headers=device)
        assert sent.status_code == 200
        camera = await client.get(f"/v1/cameras/{camera_id}", headers=owner.headers)
        seen.append(camera.json()["health"]["key_alarm"])
    assert seen == [alarm, None]
    too_long = await client.put(path, json={**report, "key_alarm": "x" * 301}, headers=device)
    assert too_long.status_code == 422
    assert "key_alarm" in too_long.json()["detail"]


async def test_pairing_owner_refuses_a_code_no_current_owner_stands_behind(
    client: AsyncClient, actors: Actors, hub: HubState
) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    actors.user_key(owner)
    code = await new_code(client, owner.headers, home_id)
    with transaction(hub.sessions) as session:  # a code made before codes had an owner part
        session.execute(update(PairingCode).values(owner_tag=None))
    answer = await client.post("/v1/devices/pairing-owner", json={"code": code})
    assert answer.status_code == 409
    assert "before pairing codes had an owner part" in answer.json()["detail"]
    code = await new_code(client, owner.headers, home_id)
    with transaction(hub.sessions) as session:
        session.execute(
            update(HomeMember)
            .where(HomeMember.user_id == owner.user_id)
            .values(role=HouseholdRole.MEMBER)
        )
    answer = await client.post("/v1/devices/pairing-owner", json={"code": code})
    assert answer.status_code == 409
    assert answer.json()["detail"] == "code: whoever made this code no longer owns the home"
